package io.longstream.operators;

import io.longstream.operators.episodes.EpisodeClustering;
import io.longstream.operators.episodes.EpisodeSegment;
import java.util.List;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The session operator's keyed state, named once: the operator keeps sessions in it, and {@link SavedSessions} reads
 * it back from a savepoint. Savepoints depend on these names and on the operator's uid.
 */
public final class SessionStateDescriptors {
    /** The session operator's uid in the job graph. */
    public static final String OPERATOR_UID = "session-inference";
    static final String META = "session-meta";
    static final String WAITING = "waiting-events";
    /** The states every session with work has one of: which sessions a restore finds runnable. */
    static final List<String> RUNNABLE = List.of(WAITING, META);

    private SessionStateDescriptors() {
    }

    static ValueStateDescriptor<SessionMeta> meta() {
        return new ValueStateDescriptor<>(META, TypeInformation.of(SessionMeta.class));
    }

    static ListStateDescriptor<SourcedEvent> waiting() {
        return new ListStateDescriptor<>(WAITING, TypeInformation.of(SourcedEvent.class));
    }

    static MapStateDescriptor<Long, byte[]> pages() {
        return new MapStateDescriptor<>("kv-pages", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    static MapStateDescriptor<Long, EpisodeSegment> segments() {
        return new MapStateDescriptor<>("episode-segments", Types.LONG, TypeInformation.of(EpisodeSegment.class));
    }

    static ValueStateDescriptor<EpisodeClustering> clustering() {
        return new ValueStateDescriptor<>("episode-clustering", TypeInformation.of(EpisodeClustering.class));
    }
}
