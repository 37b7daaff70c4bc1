package io.longstream.operators;

import io.longstream.operators.episodes.EpisodeClustering;
import io.longstream.operators.episodes.EpisodeSegment;
import java.util.List;

/**
 * One session as a savepoint holds it under the session operator: its bookkeeping, the events waiting their turn,
 * what its pages weigh and, when read for a replay, its pages and epicache's segments and clustering themselves. A
 * POJO, so Flink hands it from the reading job without Kryo.
 */
public class SavedSession {
    public String sessionId;
    /** Null only while the reading job passes over a session it was not asked for. */
    public SessionMeta meta;
    public SourcedEvent[] waiting = new SourcedEvent[0];
    /** KV pages held and their bytes in all. */
    public int pageCount;
    public long pageBytes;
    /** epicache: closed segments held. */
    public int segmentCount;
    /** The memory itself, read only for a replay: pages by id, segments by number, the clustering (null: none). */
    public long[] pageIds = new long[0];
    public byte[][] pages = new byte[0][];
    public long[] segmentNumbers = new long[0];
    public EpisodeSegment[] segments = new EpisodeSegment[0];
    public EpisodeClustering clustering;

    public SavedSession() {
    }

    /** The session's own policy (SET_POLICY), else the job's as saved; null in state saved before it was kept. */
    public String policy() {
        return meta.policySpec != null ? meta.policySpec : meta.savedJobPolicy;
    }

    /** Whether the state says how its caches are laid out (the model's layers and KV heads): not before they were kept. */
    public boolean hasGeometry() {
        return meta.savedLayers > 0 && meta.savedKvHeads > 0;
    }

    /** Caches held: one, or one per episode under epicache; 0 before the first prefill. */
    public int caches() {
        return meta.headSlots.length / (meta.savedLayers * meta.savedKvHeads);
    }

    /** Entries per layer, the most any cache holds, as the memory topic reports them. */
    public List<Integer> entriesPerLayer() {
        return MemoryUpdates.entriesPerLayer(meta.headEntries, meta.savedLayers, meta.savedKvHeads);
    }
}
