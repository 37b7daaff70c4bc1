package io.longstream.operators;

import io.longstream.operators.episodes.EpisodeClustering;
import io.longstream.operators.episodes.EpisodeSegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.util.Collector;

/** Reads each session's state (or one session's) from a savepoint of the session operator, as {@link SavedSession}s. */
final class SavedSessionReader extends KeyedStateReaderFunction<String, SavedSession> {
    private static final long serialVersionUID = 1L;

    private final String only;
    private final boolean withMemory;
    private transient ValueState<SessionMeta> meta;
    private transient ListState<SourcedEvent> waiting;
    private transient MapState<Long, byte[]> pages;
    private transient MapState<Long, EpisodeSegment> segments;
    private transient ValueState<EpisodeClustering> clustering;

    /**
     * @param only the session to read, or null for all
     * @param withMemory whether to read pages, segments and clustering themselves, not only what they weigh
     */
    SavedSessionReader(String only, boolean withMemory) {
        this.only = only;
        this.withMemory = withMemory;
    }

    @Override
    public void open(OpenContext context) {
        meta = getRuntimeContext().getState(SessionStateDescriptors.meta());
        waiting = getRuntimeContext().getListState(SessionStateDescriptors.waiting());
        pages = getRuntimeContext().getMapState(SessionStateDescriptors.pages());
        segments = getRuntimeContext().getMapState(SessionStateDescriptors.segments());
        clustering = getRuntimeContext().getState(SessionStateDescriptors.clustering());
    }

    @Override
    public void readKey(String session, Context context, Collector<SavedSession> out) throws Exception {
        SavedSession saved = new SavedSession();
        saved.sessionId = session;
        if (only != null && !only.equals(session)) {
            // a key that emits nothing ends the State Processor API's iteration over keys: another session is emitted
            // as its id alone, which SavedSessions drops
            out.collect(saved);
            return;
        }
        SessionMeta stored = meta.value();
        saved.meta = stored != null ? stored : new SessionMeta();
        List<SourcedEvent> queue = new ArrayList<>();
        Iterable<SourcedEvent> events = waiting.get();
        if (events != null) {
            events.forEach(queue::add);
        }
        saved.waiting = queue.toArray(SourcedEvent[]::new);
        List<Long> ids = new ArrayList<>();
        List<byte[]> bytes = new ArrayList<>();
        for (Map.Entry<Long, byte[]> page : pages.entries()) {
            saved.pageCount++;
            saved.pageBytes += page.getValue().length;
            if (withMemory) {
                ids.add(page.getKey());
                bytes.add(page.getValue());
            }
        }
        List<Long> numbers = new ArrayList<>();
        List<EpisodeSegment> kept = new ArrayList<>();
        for (Map.Entry<Long, EpisodeSegment> segment : segments.entries()) {
            saved.segmentCount++;
            if (withMemory) {
                numbers.add(segment.getKey());
                kept.add(segment.getValue());
            }
        }
        if (withMemory) {
            saved.pageIds = ids.stream().mapToLong(Long::longValue).toArray();
            saved.pages = bytes.toArray(byte[][]::new);
            saved.segmentNumbers = numbers.stream().mapToLong(Long::longValue).toArray();
            saved.segments = kept.toArray(EpisodeSegment[]::new);
            saved.clustering = clustering.value();
        }
        out.collect(saved);
    }
}
