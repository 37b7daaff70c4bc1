package io.longstream.operators.episodes;

import io.longstream.inference.MaxAttention;
import io.longstream.inference.Model;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.episodes.EpisodeBudget;
import io.longstream.state.policy.episodes.EpisodeEviction;
import io.longstream.state.policy.episodes.LayerBudgets;
import io.longstream.state.policy.episodes.OnlineEpisodes;
import io.longstream.state.policy.episodes.Segmenter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One session under {@code epicache} (kv-policies §6), without Flink: the conversation is cut into
 * segments and clustered into episodes; every prefill chunk goes into every episode cache, each
 * scored by its episode's patched prompt (attended in an overlay, dropped after) and evicted to its
 * layer budgets; a query is answered from the episode whose centroid is closest.
 *
 * WIP (branch wip/epicache): persistence (pages keyed by episode, episodes state in SessionMeta)
 * and the operator wiring are not done.
 */
public final class EpisodicSession {
    public static final int EPISODES = 4;
    public static final int UTTERANCES_PER_SEGMENT = 4;
    public static final int MEDOIDS = 8;
    static final String INSTRUCTION = "Extract the essential facts of the conversation below: speakers, personas, dated events, "
            + "personal details, commitments, opinions and relationships.";

    private final Model model;
    private final TokenStream tokens;
    private final Function<String, float[]> encoder;
    private final EpisodeBudget budget;
    private final int[] layerBudgets;
    private final OnlineEpisodes episodes;
    private final List<KvCache> caches = new ArrayList<>();
    private final List<int[]> patchedPrompts = new ArrayList<>();

    /** What a session must persist besides its caches' pages: the clustering and the open segment. */
    public record Saved(OnlineEpisodes.State episodes, List<String> openUtterances) {
    }

    private final Segmenter segmenter;

    public EpisodicSession(Model model, TokenStream tokens, Function<String, float[]> encoder, int budget, int configuredChunk,
                           CacheDtype dtype, long seed) {
        this(model, tokens, encoder, budget, configuredChunk, new OnlineEpisodes(EPISODES, MEDOIDS, seed),
                new Segmenter(UTTERANCES_PER_SEGMENT), List.of(model.transformer().newCache(dtype)));
    }

    private EpisodicSession(Model model, TokenStream tokens, Function<String, float[]> encoder, int budget, int configuredChunk,
                            OnlineEpisodes episodes, Segmenter segmenter, List<KvCache> caches) {
        this.model = model;
        this.tokens = tokens;
        this.encoder = encoder;
        this.budget = EpisodeBudget.of(budget, configuredChunk);
        this.layerBudgets = LayerBudgets.allocate(null, 0, model.config().layers, this.budget.retained());
        this.episodes = episodes;
        this.segmenter = segmenter;
        this.caches.addAll(caches);
        for (int k = 0; k < caches.size(); k++) {
            patchedPrompts.add(patchedPrompt(episodes.medoidTexts(k)));
        }
    }

    /** A session continued from what {@link #save()} returned and its caches (restored from their pages). */
    public static EpisodicSession restore(Model model, TokenStream tokens, Function<String, float[]> encoder, int budget,
                                          int configuredChunk, Saved saved, List<KvCache> caches) {
        OnlineEpisodes episodes = OnlineEpisodes.restore(saved.episodes());
        if (caches.size() != episodes.episodeCount()) {
            throw new IllegalArgumentException(caches.size() + " episode caches for " + episodes.episodeCount() + " episodes");
        }
        return new EpisodicSession(model, tokens, encoder, budget, configuredChunk, episodes,
                Segmenter.restore(UTTERANCES_PER_SEGMENT, saved.openUtterances()), caches);
    }

    public Saved save() {
        return new Saved(episodes.snapshot(), segmenter.openUtterances());
    }

    /** c*: the chunk every prefill step takes. */
    public int chunk() {
        return budget.chunk();
    }

    public int episodeCount() {
        return caches.size();
    }

    public KvCache cache(int episode) {
        return caches.get(episode);
    }

    /** Prefills one chunk (at most c* tokens) into every episode cache, then scores and evicts each; returns entries evicted. */
    public long prefill(int[] chunk) {
        if (chunk.length > budget.chunk()) {
            throw new IllegalArgumentException("a chunk of " + chunk.length + " tokens passes c* = " + budget.chunk());
        }
        long evicted = 0;
        for (int k = 0; k < caches.size(); k++) {
            KvCache cache = caches.get(k);
            model.transformer().forward(chunk, cache, false);
            int[] prompt = patchedPrompts.get(k);
            KvCache.Mark mark = cache.mark();
            MaxAttention scores = new MaxAttention(cache, prompt.length);
            model.transformer().forward(prompt, cache, false, scores);
            cache.rollback(mark);
            float[][][] byLayer = new float[cache.layers()][cache.kvHeads()][];
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    byLayer[l][h] = scores.of(l, h);
                }
            }
            evicted += EpisodeEviction.evict(cache, byLayer, layerBudgets, EpisodeEviction.Level.PAIR);
        }
        return evicted;
    }

    /** Takes a conversation turn into the segmentation (its tokens go through {@link #prefill}). */
    public void observeTurn(String role, String text) {
        segmenter.addTurn(role, text).ifPresent(this::addSegment);
    }

    /** Takes a document's 256-token pieces into the segmentation. */
    public void observeDocument(List<String> pieces) {
        segmenter.addDocument(pieces).forEach(this::addSegment);
    }

    /** The episode a query is answered from. */
    public int route(String queryText) {
        return episodes.route(encoder.apply(queryText));
    }

    private void addSegment(String text) {
        OnlineEpisodes.Update update = episodes.addSegment(encoder.apply(text), text);
        if (update.firstClustering()) {
            KvCache first = caches.get(0);
            for (int k = 1; k < EPISODES; k++) {
                caches.add(first.copy());
            }
        }
        if (update.reclustered()) {
            patchedPrompts.clear();
            for (int k = 0; k < caches.size(); k++) {
                patchedPrompts.add(patchedPrompt(episodes.medoidTexts(k)));
            }
        }
    }

    /** Instruction as a user turn, the assistant prefix, then the medoids' texts, cut to Pcap (the newest go first). */
    private int[] patchedPrompt(List<String> medoids) {
        int[] prompt = tokens.query(null, INSTRUCTION);
        for (String medoid : medoids) {
            int[] more = tokens.document(medoid + "\n");
            int[] joined = Arrays.copyOf(prompt, prompt.length + more.length);
            System.arraycopy(more, 0, joined, prompt.length, more.length);
            prompt = joined;
        }
        return Arrays.copyOf(prompt, Math.min(prompt.length, budget.promptCap()));
    }
}
