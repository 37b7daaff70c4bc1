package io.longstream.inference.epicache;

import io.longstream.inference.ForwardBatch;
import io.longstream.inference.ForwardStep;
import io.longstream.inference.MaxAttention;
import io.longstream.inference.Model;
import io.longstream.inference.memory.MemoryChunk;
import io.longstream.inference.memory.MemoryHeader;
import io.longstream.inference.memory.MemoryWriter;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.epicache.EpisodeBudget;
import io.longstream.state.policy.epicache.EpisodeEviction;
import io.longstream.state.policy.epicache.EpisodeSettings;
import io.longstream.state.policy.epicache.LayerBudgets;
import io.longstream.state.policy.epicache.OnlineEpisodes;
import io.longstream.state.policy.epicache.Segmenter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One session under {@code epicache} (kv-policies §6): the conversation is cut into segments and clustered into
 * episodes; every prefill chunk goes into every episode cache, each scored by its episode's patched prompt
 * (attended in an overlay, dropped after) and evicted to its layer budgets; a query is answered from the episode
 * whose centroid is closest.
 */
public final class EpicacheMemory implements SessionMemory {
    /** A document is segmented in pieces of this many tokens, one utterance each. */
    public static final int DOCUMENT_PIECE = 256;
    static final String INSTRUCTION = "Extract the essential facts of the conversation below: speakers, personas, dated events, "
            + "personal details, commitments, opinions and relationships.";

    private final Model model;
    private final TokenStream tokens;
    private final Function<String, float[]> encoder;
    private final EpisodeSettings settings;
    private final int[] layerBudgets;
    private final OnlineEpisodes episodes;
    private final Segmenter segmenter;
    private final List<KvCache> caches = new ArrayList<>();
    private final List<int[]> patchedPrompts = new ArrayList<>();
    /** The patched prompts' instruction, at most half of Pcap (see {@link #patchedPrompt}). */
    private final int[] instruction;
    /** Segments closed when the last snapshot was taken (or that the restored clustering holds). */
    private long savedSegments;

    /**
     * A fresh session: one episode with an empty cache until E segments exist.
     *
     * @param layerBudgets b_l per layer ({@link #layerBudgets(EpisodeSettings, double[], int)})
     * @param seed         hash(session id), the seed of every k-means run
     */
    public EpicacheMemory(Model model, TokenStream tokens, Function<String, float[]> encoder, EpisodeSettings settings,
                           int[] layerBudgets, CacheDtype dtype, long seed) {
        this(model, tokens, encoder, settings, layerBudgets, new OnlineEpisodes(settings.episodes(), settings.medoids(), seed),
                new Segmenter(settings.utterances()), List.of(model.transformer().newCache(dtype)));
    }

    private EpicacheMemory(Model model, TokenStream tokens, Function<String, float[]> encoder, EpisodeSettings settings,
                            int[] layerBudgets, OnlineEpisodes episodes, Segmenter segmenter, List<KvCache> caches) {
        if (layerBudgets.length != model.config().layers) {
            throw new IllegalArgumentException(layerBudgets.length + " layer budgets for a model of " + model.config().layers + " layers");
        }
        this.model = model;
        this.tokens = tokens;
        this.encoder = encoder;
        this.settings = settings;
        this.layerBudgets = layerBudgets.clone();
        this.episodes = episodes;
        this.segmenter = segmenter;
        this.caches.addAll(caches);
        int[] fullInstruction = tokens.query(null, INSTRUCTION);
        this.instruction = Arrays.copyOfRange(fullInstruction, Math.max(0, fullInstruction.length - settings.budget().promptCap() / 2),
                fullInstruction.length);
        this.savedSegments = episodes.segmentCount();
        refreshPatchedPrompts();
    }

    /** b_l per layer from the model's profile s_l (null: none, every layer keeps M) and the settings' α. */
    public static int[] layerBudgets(EpisodeSettings settings, double[] profile, int layers) {
        return LayerBudgets.allocate(profile, settings.alpha(), layers, settings.budget().retained());
    }

    /**
     * A session continued from its persisted clustering (null if no segment closed yet), open segment and caches
     * (restored from their pages).
     *
     * @throws IllegalArgumentException if the number of caches does not match the clustering's episodes
     */
    public static EpicacheMemory restore(Model model, TokenStream tokens, Function<String, float[]> encoder, EpisodeSettings settings,
                                          int[] layerBudgets, long seed, OnlineEpisodes.State clustering,
                                          List<String> openUtterances, List<KvCache> caches) {
        OnlineEpisodes episodes = clustering == null
                ? new OnlineEpisodes(settings.episodes(), settings.medoids(), seed)
                : OnlineEpisodes.restore(clustering);
        if (caches.size() != episodes.episodeCount()) {
            throw new IllegalArgumentException(caches.size() + " episode caches for " + episodes.episodeCount() + " episodes");
        }
        return new EpicacheMemory(model, tokens, encoder, settings, layerBudgets, episodes,
                Segmenter.restore(settings.utterances(), openUtterances), caches);
    }

    /** The clustering as plain arrays, for persisting (a deep copy). */
    public OnlineEpisodes.State clustering() {
        return episodes.snapshot();
    }

    /** Segments closed over the session's life. */
    public long segmentCount() {
        return episodes.segmentCount();
    }

    /** The open segment's rendered utterances, oldest first. */
    public List<String> openUtterances() {
        return segmenter.openUtterances();
    }

    /** b_l per layer: what each layer of an episode cache keeps after compaction, averaged over its KV heads. */
    public int[] layerBudgets() {
        return layerBudgets.clone();
    }

    public EpisodeBudget budget() {
        return settings.budget();
    }

    @Override
    public String spec() {
        return settings.spec();
    }

    @Override
    public int chunk() {
        return settings.budget().chunk();
    }

    /** Never: an episode cache evicts to its budgets after every chunk, so a stream of any length fits. */
    @Override
    public String ingestRefusal(int incoming) {
        return null;
    }

    @Override
    public String queryRefusal(int promptTokens, int maxNew) {
        int room = settings.budget().headroom();
        return promptTokens + maxNew > room
                ? "query too long: " + promptTokens + " prompt tokens + " + maxNew + " new tokens exceed the headroom H = c* + Pcap = " + room
                : null;
    }

    @Override
    public int queryChunk() {
        return settings.budget().headroom();
    }

    @Override
    public boolean observeTurn(String role, String text) {
        return segmenter.addTurn(role, text).map(this::addSegment).isPresent();
    }

    @Override
    public boolean observeDocument(int[] ids) {
        List<String> pieces = new ArrayList<>();
        for (int from = 0; from < ids.length; from += DOCUMENT_PIECE) {
            pieces.add(model.tokenizer().decode(Arrays.copyOfRange(ids, from, Math.min(ids.length, from + DOCUMENT_PIECE))));
        }
        List<String> closed = segmenter.addDocument(pieces);
        closed.forEach(this::addSegment);
        return !closed.isEmpty();
    }

    /** Prefills one chunk (at most c* tokens) into every episode cache, then scores and evicts each. */
    @Override
    public Prefill prefill(int[] chunk, boolean logits) {
        return new ForwardBatch(model.transformer()).runAlone(startPrefill(chunk, logits)).result();
    }

    /**
     * Two rounds: the chunk into every episode cache, then every episode's patched prompt in an overlay of its cache,
     * scoring the entries; then each cache drops the overlay and evicts to its layer budgets. Each cache sees what it
     * sees in {@link #prefill}, in the same order.
     */
    @Override
    public MemoryChunk startPrefill(int[] chunk, boolean logits) {
        if (chunk.length > chunk()) {
            throw new IllegalArgumentException("a chunk of " + chunk.length + " tokens passes c* = " + chunk());
        }
        return new EpisodeChunk(chunk, logits, caches.size() == 1 ? 0 : episodes.latestEpisode());
    }

    /** One chunk through every episode cache, as {@link #startPrefill} describes. */
    private final class EpisodeChunk implements MemoryChunk {
        private final int[] chunk;
        private final boolean logits;
        private final int predicting;
        private float[] predicted;
        private boolean attended;
        private final List<KvCache.Mark> marks = new ArrayList<>();
        private final List<MaxAttention> scores = new ArrayList<>();
        private Prefill result;

        EpisodeChunk(int[] chunk, boolean logits, int predicting) {
            this.chunk = chunk;
            this.logits = logits;
            this.predicting = predicting;
        }

        /** The chunk into every episode cache, then every episode's patched prompt. */
        @Override
        public int tokens() {
            int rows = chunk.length * caches.size();
            for (int k = 0; k < caches.size(); k++) {
                rows += patchedPrompts.get(k).length;
            }
            return rows;
        }

        @Override
        public boolean done() {
            return result != null;
        }

        @Override
        public List<ForwardStep> nextForwards() {
            if (done()) {
                throw new IllegalStateException("the chunk is prefilled");
            }
            List<ForwardStep> steps = new ArrayList<>();
            marks.clear();
            scores.clear();
            for (int k = 0; k < caches.size(); k++) {
                KvCache cache = caches.get(k);
                if (!attended) {
                    steps.add(new ForwardStep(chunk, cache, logits && k == predicting));
                } else {
                    int[] prompt = patchedPrompts.get(k);
                    marks.add(cache.mark());
                    scores.add(new MaxAttention(cache));
                    steps.add(new ForwardStep(prompt, cache, false, scores.get(k)));
                }
            }
            return steps;
        }

        @Override
        public void forwarded(List<float[]> out) {
            if (!attended) {
                attended = true;
                predicted = logits ? out.get(predicting) : null;
                return;
            }
            long evicted = 0;
            for (int k = 0; k < caches.size(); k++) {
                KvCache cache = caches.get(k);
                cache.rollback(marks.get(k));
                // scores[l][h][slot], [layers][kvHeads][slots of head (l, h)]
                float[][][] byLayer = new float[cache.layers()][cache.kvHeads()][];
                for (int l = 0; l < cache.layers(); l++) {
                    for (int h = 0; h < cache.kvHeads(); h++) {
                        byLayer[l][h] = scores.get(k).of(l, h);
                    }
                }
                evicted += EpisodeEviction.evict(cache, byLayer, layerBudgets, settings.level());
            }
            result = new Prefill(evicted, predicted);
        }

        @Override
        public Prefill result() {
            return result;
        }
    }

    /** The episode whose centroid has the largest dot product with the query's embedding. */
    @Override
    public int route(String queryText) {
        return episodes.route(encoder.apply(queryText));
    }

    @Override
    public int cacheCount() {
        return caches.size();
    }

    @Override
    public KvCache cache(int episode) {
        return caches.get(episode);
    }

    @Override
    public long[] policyState() {
        return new long[0];
    }

    /** Every episode cache's dirty pages, the header (b_l, the open segment), and the segments closed since the last. */
    @Override
    public void snapshot(MemoryWriter writer) {
        for (int k = 0; k < caches.size(); k++) {
            writer.cache(k, caches.get(k));
        }
        writer.header(new MemoryHeader(new long[0], layerBudgets, openUtterances()));
        if (episodes.segmentCount() != savedSegments) {
            writer.episodes(episodes.snapshot(), savedSegments);
            savedSegments = episodes.segmentCount();
        }
    }

    @Override
    public Map<String, String> details() {
        return Map.of("episodes", Integer.toString(cacheCount()), "segments", Long.toString(segmentCount()),
                "layer_budgets", Arrays.toString(layerBudgets));
    }

    private boolean addSegment(String text) {
        OnlineEpisodes.Update update = episodes.addSegment(encoder.apply(text), text);
        if (update.firstClustering()) {
            KvCache first = caches.get(0);
            for (int k = 1; k < settings.episodes(); k++) {
                caches.add(first.copy());
            }
        }
        if (update.reclustered()) {
            refreshPatchedPrompts();
        }
        return true;
    }

    private void refreshPatchedPrompts() {
        patchedPrompts.clear();
        for (int k = 0; k < caches.size(); k++) {
            patchedPrompts.add(patchedPrompt(episodes.medoidTexts(k), episodes.medoidRanks(k)));
        }
    }

    /**
     * Instruction as a user turn with the assistant prefix, then the medoids' texts in chronological order; while it
     * passes Pcap the least central medoid goes first, and what still passes with the most central alone is cut off.
     * The instruction keeps at most half of Pcap (its tail, where the assistant prefix is): the medoids are what
     * tells one episode's scores from another's, so a small Pcap must not go to the instruction alone.
     */
    private int[] patchedPrompt(List<String> medoids, int[] ranks) {
        List<int[]> rendered = new ArrayList<>();
        for (String medoid : medoids) {
            rendered.add(tokens.document(medoid + "\n"));
        }
        boolean[] dropped = new boolean[medoids.size()];
        int length = instruction.length + rendered.stream().mapToInt(t -> t.length).sum();
        for (int rank = medoids.size() - 1; rank > 0 && length > settings.budget().promptCap(); rank--) {
            int medoid = indexOf(ranks, rank);
            dropped[medoid] = true;
            length -= rendered.get(medoid).length;
        }
        int[] prompt = instruction;
        for (int i = 0; i < rendered.size(); i++) {
            if (!dropped[i]) {
                int[] joined = Arrays.copyOf(prompt, prompt.length + rendered.get(i).length);
                System.arraycopy(rendered.get(i), 0, joined, prompt.length, rendered.get(i).length);
                prompt = joined;
            }
        }
        return Arrays.copyOf(prompt, Math.min(prompt.length, settings.budget().promptCap()));
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        throw new IllegalArgumentException(value + " is not among " + Arrays.toString(values));
    }
}
