package io.longstream.operators;

import io.longstream.schemas.Query;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The sessions with work to do, in the order the operator's ticks take them, as a serving engine's scheduler orders
 * requests: sessions about to answer first (decode steps are cheap and someone waits for them), then first come first
 * served by the arrival of each session's oldest unfinished work, the Kafka timestamp of its record (partition and
 * offset break ties). A session's place is derived from its bookkeeping and queue alone, so a restore rebuilds the
 * same order from keyed state.
 */
final class RunQueue {
    /** Where a session stands: whether its next step is an answer block, and its oldest unfinished work's record. */
    private record Place(String session, boolean answering, long timestamp, int partition, long offset) {
        static final Comparator<Place> ORDER = Comparator.comparing((Place p) -> !p.answering)
                .thenComparingLong(Place::timestamp)
                .thenComparingInt(Place::partition)
                .thenComparingLong(Place::offset)
                .thenComparing(Place::session);
    }

    private final Map<String, Place> places = new HashMap<>();
    private final TreeSet<Place> order = new TreeSet<>(Place.ORDER);

    /**
     * Puts the session in its place (moving it if it was queued), or out of the queue when it has nothing to do: no
     * tokens pending and no event waiting.
     */
    void put(String session, SessionMeta meta, List<SourcedEvent> queue) {
        remove(session);
        RawRecord oldest;
        boolean answering;
        if (meta.pending.length > 0) {
            // tokens pending are older than any event waiting, and a query behind them first flushes them in a prefill
            oldest = meta.pendingSources[0];
            answering = false;
        } else if (!queue.isEmpty()) {
            oldest = queue.get(0).source;
            answering = queue.get(0).event.getPayload() instanceof Query;
        } else {
            return;
        }
        Place place = new Place(session, answering, oldest.timestamp, oldest.partition, oldest.offset);
        places.put(session, place);
        order.add(place);
    }

    boolean contains(String session) {
        return places.containsKey(session);
    }

    int size() {
        return places.size();
    }

    boolean isEmpty() {
        return places.isEmpty();
    }

    /** Takes the first session out of the queue; null when it is empty. */
    String poll() {
        Place first = order.pollFirst();
        if (first == null) {
            return null;
        }
        places.remove(first.session);
        return first.session;
    }

    void remove(String session) {
        Place place = places.remove(session);
        if (place != null) {
            order.remove(place);
        }
    }
}
