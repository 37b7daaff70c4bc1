package io.longstream.operators;

import io.longstream.inference.Model;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.state.policy.PolicySpec;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a session's memory lives between steps: in Flink state (RocksDB) through {@link MemoryState}, whatever its
 * kind, and as a deserialised copy of recently used memories ({@link LiveCaches}). Restores a memory exactly as it
 * snapshot itself, and persists what a step changed.
 */
final class SessionStore {
    private final SessionConfig config;
    private final Model model;
    private final MemoryState state;
    private final LiveCaches live;
    /** The job's policy spec as every save records it (a savepoint carries no job options). */
    private final String jobPolicy;
    /** How sessions under each policy spec seen so far start and restore. */
    private final Map<PolicySpec, SessionMemories> memoriesBySpec = new HashMap<>();

    SessionStore(SessionConfig config, Model model, MemoryState state) {
        this.config = config;
        this.model = model;
        this.state = state;
        this.live = new LiveCaches(config.liveCacheBytes);
        this.jobPolicy = config.policy.toString();
    }

    /** The session's memory: the live copy if it has seen every change in state, else rebuilt from state. */
    SessionMemory memoryOf(String session, SessionMeta meta) throws Exception {
        SessionMemory held = live.get(session, meta.revision);
        if (held != null) {
            return held;
        }
        PolicySpec spec = meta.policySpec != null ? PolicySpec.parse(meta.policySpec) : config.policy;
        SessionMemory restored = memories(spec).restore(session, state.reader(meta));
        live.put(session, restored, meta.revision);
        return restored;
    }

    /**
     * Records a change of the memory: what it snapshots goes to {@code effects} and the bookkeeping in {@code meta},
     * which counts one more revision; returns the pages written.
     */
    int persist(String session, SessionMeta meta, SessionMemory memory, StepEffects effects) {
        int written = save(meta, memory, effects);
        meta.revision++;
        live.put(session, memory, meta.revision);
        return written;
    }

    /**
     * Snapshots the memory without counting a change the live copy has not seen (epicache's open segment grew);
     * returns the pages written.
     */
    int save(SessionMeta meta, SessionMemory memory, StepEffects effects) {
        meta.savedJobPolicy = jobPolicy;
        meta.savedChunk = config.chunk;
        meta.savedCacheDtype = config.cacheDtype.name();
        meta.savedLayers = model.config().layers;
        meta.savedKvHeads = model.config().kvHeads;
        MemoryState.Writer writer = state.writer(meta, effects);
        memory.snapshot(writer);
        return writer.pagesWritten();
    }

    /** Drops everything the session holds: pages, episodes, its live copy and its bookkeeping. */
    void forget(String session, SessionMeta meta, StepEffects effects) {
        state.clear(effects);
        live.remove(session);
        meta.clear();
    }

    /** Forgets the live copy, which a failed step may have half changed: the next step rebuilds it from state. */
    void drop(String session) {
        live.remove(session);
    }

    /** The deserialised memories held between steps, which the operator's metrics show. */
    LiveCaches live() {
        return live;
    }

    /** How sessions under {@code spec} start, restore and switch. @throws IllegalArgumentException naming what is wrong with the spec */
    SessionMemories memories(PolicySpec spec) {
        return memoriesBySpec.computeIfAbsent(spec, s -> new SessionMemories(model, s, config.chunk, config.cacheDtype));
    }
}
