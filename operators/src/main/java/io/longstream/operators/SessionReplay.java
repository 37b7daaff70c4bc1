package io.longstream.operators;

import io.longstream.inference.ForwardBatch;
import io.longstream.inference.Model;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.operators.episodes.EpisodeSegment;
import io.longstream.operators.episodes.EpisodeStore;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.OutputTag;

/**
 * A saved session run on this machine as the session operator would run it: its memory restored from its pages by the
 * operator's own stores, its pending tokens and waiting events taken up where the savepoint left them, then more
 * events, each step by {@link SessionSteps} exactly as in the job. A session's answers depend only on its events, so a
 * query answered here gets the tokens the job gives it after the same events.
 */
public final class SessionReplay {
    /** What a run answered and rejected, in order. */
    public record Outcome(List<Answer> answers, List<Rejected> rejects) {
    }

    /** The topic named by the rejects of events given to {@link #run}, which came from no topic. */
    public static final String SOURCE = "replay";

    private final String session;
    private final EventDecoder checks;
    private final SessionSteps steps;
    private final ForwardBatch batch;
    private final TypeSerializer<SessionMeta> metaSerializer;
    /** A replay reports to no metric system: the steps' reports go nowhere. */
    private final SessionMetrics metrics = new SessionMetrics(new UnregisteredMetricsGroup());
    private SessionMeta meta;
    private List<SourcedEvent> queue;
    private long given;

    /**
     * @param config the job's settings, as the savepoint records them where it does
     * @param limits the job's limits on events
     * @param saved the session read with its memory ({@link SavedSessions#read} with {@code withMemory})
     */
    public SessionReplay(SessionConfig config, EventLimits limits, SavedSession saved) {
        if (saved.pageCount > saved.pages.length) {
            throw new IllegalArgumentException("session " + saved.sessionId + " was read without its memory");
        }
        this.session = saved.sessionId;
        this.checks = new EventDecoder(limits);
        Model model = SharedModels.get(Paths.get(config.modelDir), config.backend);
        if (saved.hasGeometry() && (saved.meta.savedLayers != model.config().layers || saved.meta.savedKvHeads != model.config().kvHeads)) {
            throw new IllegalArgumentException("--model " + config.modelDir + " has " + model.config().layers + " layers and "
                    + model.config().kvHeads + " KV heads, but session " + session + " was saved by a model with "
                    + saved.meta.savedLayers + " and " + saved.meta.savedKvHeads);
        }
        HeapMapState<Long, byte[]> pages = new HeapMapState<>();
        for (int i = 0; i < saved.pageIds.length; i++) {
            pages.put(saved.pageIds[i], saved.pages[i]);
        }
        HeapMapState<Long, EpisodeSegment> segments = new HeapMapState<>();
        for (int i = 0; i < saved.segmentNumbers.length; i++) {
            segments.put(saved.segmentNumbers[i], saved.segments[i]);
        }
        EpisodeStore episodes = new EpisodeStore(segments, new HeapValueState<>(saved.clustering));
        MemoryState state = new MemoryState(new KvPageStore(pages), episodes, model.config().layers, model.config().kvHeads);
        TokenStream tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
        this.metaSerializer = TypeInformation.of(SessionMeta.class).createSerializer(new SerializerConfigImpl());
        this.steps = new SessionSteps(config, new StepGuard(StepFaults.NONE), model, tokens, new SessionStore(config, model, state),
                metaSerializer::copy);
        this.batch = new ForwardBatch(model.transformer());
        this.meta = metaSerializer.copy(saved.meta);
        this.queue = new ArrayList<>(Arrays.asList(saved.waiting));
    }

    /**
     * Takes {@code events} (of this session) after those waiting, as the job would take them in this order, and runs the
     * session until it has nothing left to do. An event the job's checks refuse is rejected with their reason.
     *
     * @throws IllegalArgumentException for an event of another session
     */
    public Outcome run(List<SessionEvent> events) throws Exception {
        List<Answer> answers = new ArrayList<>();
        List<Rejected> rejects = new ArrayList<>();
        StepEffects.Emitter out = new StepEffects.Emitter() {
            @Override
            public void answer(Answer answer) {
                answers.add(answer);
            }

            @Override
            public <T> void output(OutputTag<T> tag, T value) {
                if (tag.equals(Outputs.REJECTS)) {
                    rejects.add((Rejected) value);
                }
            }

            @Override
            public SessionMetrics metrics() {
                return metrics;
            }
        };
        for (SessionEvent event : events) {
            if (!event.getSessionId().equals(session)) {
                throw new IllegalArgumentException("event " + event.getEventId() + " is of session " + event.getSessionId()
                        + ", not " + session);
            }
            RawRecord source = new RawRecord(SOURCE, 0, given++, 0, session.getBytes(StandardCharsets.UTF_8), null);
            String problem = checks.problemWith(event, source.key);
            if (problem != null) {
                rejects.add(SourcedEvent.rejection(source, problem));
            } else {
                queue.add(new SourcedEvent(event, source));
            }
        }
        while (true) {
            SessionSteps.Turn turn = steps.begin(session, meta, queue, out);
            if (turn.work() != null) {
                RuntimeException failure = null;
                try {
                    batch.finish(List.of(turn.work()));
                } catch (RuntimeException e) {
                    failure = e;
                }
                if (failure == null) {
                    steps.end(turn, out);
                } else {
                    steps.fail(turn, failure, out);
                }
            }
            meta = turn.meta;
            queue = turn.queue;
            if (!turn.more) {
                return new Outcome(answers, rejects);
            }
        }
    }

    /** The session's bookkeeping as the run left it. */
    public SessionMeta meta() {
        return metaSerializer.copy(meta);
    }
}
