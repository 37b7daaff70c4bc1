package io.longstream.state.policy.epicache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The streaming episode clustering of one session (kv-policies §6): segment embeddings and texts arrive in
 * order, {@link KMeans} (seeded once per session) groups them into E episodes, {@link Relabel} keeps episode k on
 * its topic across re-runs, {@link Medoids} picks each episode's m most central segments, and a query is routed to
 * the episode whose centroid has the largest dot product with it.
 *
 * <p>Schedule: the first clustering runs when the E-th segment arrives (until then there is one episode, and
 * the caller copies its cache into E caches), then a re-run every {@value #RECLUSTER_EVERY} segments after that,
 * i.e. at segment counts E, E + 8, E + 16, … Each run covers the whole stored window.
 *
 * <p>Window: only the newest {@value #WINDOW} segments are stored; an older one is dropped when a newer one
 * arrives, so clustering, labels and medoid indices are over the window, never the whole session. Medoid texts
 * are fixed at each clustering and change only when {@link #addSegment} reports one, even if a medoid leaves the
 * window meanwhile, so the caller re-renders its patched prompts only then.
 *
 * <p>Deterministic: everything follows from the inputs and the seed; {@link #snapshot()} and
 * {@link #restore(State)} carry the whole state, so a restored instance continues bit-identically.
 */
public final class OnlineEpisodes {
    public static final int WINDOW = 1024;
    public static final int RECLUSTER_EVERY = 8;
    /** The label of a segment that arrived after the last clustering (or before the first). */
    public static final int UNCLUSTERED = -1;

    /** What one {@link #addSegment} did: whether k-means ran, and whether it was the session's first run (copy cache 0 into all E). */
    public record Update(boolean reclustered, boolean firstClustering) {
    }

    /**
     * The whole state as plain arrays, for checkpointing; arrays are copies, so a record's equality is identity.
     *
     * @param segmentCount segments added over the session's life, dropped ones included
     * @param embeddings   the stored window, oldest first
     * @param texts        the window's segment texts, aligned with embeddings
     * @param labels       each stored segment's episode, or {@link #UNCLUSTERED}
     * @param centroids    E centroids by episode, or none before the first clustering
     * @param medoidTexts  per episode (one before the first clustering), its medoid texts in chronological order
     * @param medoidRanks  aligned with medoidTexts: each medoid's rank by distance to its centroid, 0 = most central
     */
    public record State(int episodes, int medoids, long seed, long segmentCount, float[][] embeddings, String[] texts,
                        int[] labels, float[][] centroids, String[][] medoidTexts, int[][] medoidRanks) {
    }

    private record Segment(float[] embedding, String text, int label) {
    }

    private final int episodes;
    private final int medoids;
    private final long seed;
    private long segmentCount;
    private final ArrayDeque<Segment> window = new ArrayDeque<>();
    private float[][] centroids = new float[0][];
    private List<List<String>> medoidTexts = List.of(List.of());
    private int[][] medoidRanks = {{}};

    /**
     * @param episodes E, 1..{@value #WINDOW} (the window must be able to hold E segments)
     * @param medoids  m, at least 0
     * @param seed     the k-means seed, hash(session id), the same for every run of this session
     */
    public OnlineEpisodes(int episodes, int medoids, long seed) {
        if (episodes < 1 || episodes > WINDOW) {
            throw new IllegalArgumentException("episodes E must be in 1.." + WINDOW + ", got " + episodes);
        }
        if (medoids < 0) {
            throw new IllegalArgumentException("medoid count m must be >= 0, got " + medoids);
        }
        this.episodes = episodes;
        this.medoids = medoids;
        this.seed = seed;
    }

    /**
     * Stores one segment (a copy of {@code embedding}, expected L2-normalised), dropping the oldest beyond the
     * window, and clusters when the schedule says so.
     *
     * @throws IllegalArgumentException if the embedding is empty, not finite, or differs in dimension from the stored ones
     */
    public Update addSegment(float[] embedding, String text) {
        requireEmbedding(embedding, "segment embedding");
        window.addLast(new Segment(embedding.clone(), Objects.requireNonNull(text, "text"), UNCLUSTERED));
        if (window.size() > WINDOW) {
            window.removeFirst();
        }
        segmentCount++;
        if (segmentCount < episodes || (segmentCount - episodes) % RECLUSTER_EVERY != 0) {
            return new Update(false, false);
        }
        boolean first = centroids.length == 0;
        cluster();
        return new Update(true, first);
    }

    /** 1 before the first clustering, E after. */
    public int episodeCount() {
        return centroids.length == 0 ? 1 : episodes;
    }

    /** The centroids by episode (copies; none before the first clustering): the means of their members at the last clustering, not re-normalised. */
    public float[][] centroids() {
        return deepCopy(centroids);
    }

    /** Each stored segment's episode at the last clustering, oldest first; {@link #UNCLUSTERED} for segments that arrived since. */
    public int[] labels() {
        return window.stream().mapToInt(Segment::label).toArray();
    }

    /** The stored segments' texts, oldest first (at most {@value #WINDOW}). */
    public List<String> texts() {
        return window.stream().map(Segment::text).toList();
    }

    /** Segments added over the session's life, including those the window dropped. */
    public long segmentCount() {
        return segmentCount;
    }

    /** The episode's medoid texts from the last clustering, in chronological order; empty before the first clustering. */
    public List<String> medoidTexts(int episode) {
        Objects.checkIndex(episode, episodeCount());
        return medoidTexts.get(episode);
    }

    /**
     * The episode to answer {@code query} from: argmax over k of dot(query, centroid k), accumulated in double in
     * index order, ties to the lowest k; 0 before the first clustering.
     */
    public int route(float[] query) {
        if (centroids.length == 0) {
            return 0;
        }
        if (query.length != centroids[0].length) {
            throw new IllegalArgumentException("query embedding has dimension " + query.length + ", the centroids " + centroids[0].length);
        }
        int best = 0;
        double bestDot = dot(query, centroids[0]);
        for (int k = 1; k < centroids.length; k++) {
            double d = dot(query, centroids[k]);
            if (d > bestDot) {
                best = k;
                bestDot = d;
            }
        }
        return best;
    }

    /** The episode whose centroid is closest to the newest segment (the conversation's current topic); 0 before the first clustering. */
    public int latestEpisode() {
        return window.isEmpty() ? 0 : route(window.peekLast().embedding());
    }

        /** The episode's medoids' ranks by distance to its centroid (0 = most central), aligned with {@link #medoidTexts}. */
    public int[] medoidRanks(int episode) {
        Objects.checkIndex(episode, episodeCount());
        return medoidRanks[episode].clone();
    }

    /** A deep copy of the whole state. */
    public State snapshot() {
        int n = window.size();
        float[][] embeddings = new float[n][];
        String[] texts = new String[n];
        int i = 0;
        for (Segment segment : window) {
            embeddings[i] = segment.embedding().clone();
            texts[i] = segment.text();
            i++;
        }
        String[][] medoidArrays = medoidTexts.stream().map(list -> list.toArray(String[]::new)).toArray(String[][]::new);
        return new State(episodes, medoids, seed, segmentCount, embeddings, texts, labels(), deepCopy(centroids), medoidArrays,
                Arrays.stream(medoidRanks).map(int[]::clone).toArray(int[][]::new));
    }

    /**
     * An instance that continues exactly where {@code state}'s was (the arrays are copied).
     *
     * @throws IllegalArgumentException if the state is inconsistent (sizes, label range, window length, clustering schedule)
     */
    public static OnlineEpisodes restore(State state) {
        OnlineEpisodes restored = new OnlineEpisodes(state.episodes(), state.medoids(), state.seed());
        int n = state.embeddings().length;
        if (state.segmentCount() < 0 || n != Math.min(state.segmentCount(), WINDOW)) {
            throw new IllegalArgumentException("episode state stores " + n + " segments, but the newest min(" + state.segmentCount()
                    + ", " + WINDOW + ") of them belong in the window");
        }
        if (state.texts().length != n || state.labels().length != n) {
            throw new IllegalArgumentException("episode state has " + n + " embeddings, " + state.texts().length + " texts and "
                    + state.labels().length + " labels");
        }
        boolean clustered = state.segmentCount() >= state.episodes();
        int expectedCentroids = clustered ? state.episodes() : 0;
        if (state.centroids().length != expectedCentroids || state.medoidTexts().length != Math.max(expectedCentroids, 1)
                || state.medoidRanks().length != state.medoidTexts().length) {
            throw new IllegalArgumentException("episode state after " + state.segmentCount() + " segments needs " + expectedCentroids
                    + " centroids and " + Math.max(expectedCentroids, 1) + " medoid lists, got " + state.centroids().length
                    + " and " + state.medoidTexts().length + " (ranks for " + state.medoidRanks().length + ")");
        }
        for (int k = 0; k < state.medoidTexts().length; k++) {
            int[] ranks = state.medoidRanks()[k].clone();
            Arrays.sort(ranks);
            if (ranks.length != state.medoidTexts()[k].length || !Arrays.equals(ranks, identity(ranks.length))) {
                throw new IllegalArgumentException("episode " + k + " medoid ranks " + Arrays.toString(state.medoidRanks()[k])
                        + " are not a ranking of its " + state.medoidTexts()[k].length + " medoids");
            }
        }
        for (int i = 0; i < n; i++) {
            restored.requireEmbedding(state.embeddings()[i], "stored embedding " + i);
            int label = state.labels()[i];
            if (label < UNCLUSTERED || label >= expectedCentroids) {
                throw new IllegalArgumentException("stored segment " + i + " has label " + label + " with " + expectedCentroids + " centroids");
            }
            restored.window.addLast(new Segment(state.embeddings()[i].clone(), Objects.requireNonNull(state.texts()[i], "text"), label));
        }
        for (float[] centroid : state.centroids()) {
            if (centroid.length != state.embeddings()[0].length) {
                throw new IllegalArgumentException("a centroid has dimension " + centroid.length + ", the segments " + state.embeddings()[0].length);
            }
        }
        restored.segmentCount = state.segmentCount();
        restored.centroids = deepCopy(state.centroids());
        restored.medoidTexts = Arrays.stream(state.medoidTexts()).map(texts -> List.of(texts)).toList();
        restored.medoidRanks = Arrays.stream(state.medoidRanks()).map(int[]::clone).toArray(int[][]::new);
        return restored;
    }

    /** Runs k-means over the window, renumbers its clusters onto the existing episodes, and refreshes labels and medoids. */
    private void cluster() {
        float[][] points = window.stream().map(Segment::embedding).toArray(float[][]::new);
        String[] texts = window.stream().map(Segment::text).toArray(String[]::new);
        Clustering clustering = KMeans.fit(points, episodes, seed);
        // the first run has no episodes to continue, so its numbering becomes theirs
        int[] episodeOf = centroids.length == 0 ? identity(episodes) : Relabel.match(centroids, clustering.centroids());
        float[][] byEpisode = new float[episodes][];
        List<List<String>> medoidsByEpisode = new ArrayList<>(Collections.nCopies(episodes, List.<String>of()));
        int[][] ranksByEpisode = new int[episodes][];
        for (int j = 0; j < episodes; j++) {
            float[] centroid = clustering.centroids()[j];
            byEpisode[episodeOf[j]] = centroid;
            int[] chosen = Medoids.closest(points, clustering.members(j), centroid, medoids);
            medoidsByEpisode.set(episodeOf[j], Arrays.stream(chosen).mapToObj(i -> texts[i]).toList());
            ranksByEpisode[episodeOf[j]] = Medoids.ranks(points, chosen, centroid);
        }
        int[] labels = clustering.labels();
        window.clear();
        for (int i = 0; i < points.length; i++) {
            window.addLast(new Segment(points[i], texts[i], episodeOf[labels[i]]));
        }
        centroids = byEpisode;
        medoidTexts = List.copyOf(medoidsByEpisode);
        medoidRanks = ranksByEpisode;
    }

    private void requireEmbedding(float[] embedding, String what) {
        if (embedding.length == 0) {
            throw new IllegalArgumentException(what + " is empty");
        }
        if (!window.isEmpty() && embedding.length != window.peekFirst().embedding().length) {
            throw new IllegalArgumentException(what + " has dimension " + embedding.length + ", the stored segments "
                    + window.peekFirst().embedding().length);
        }
        for (float x : embedding) {
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException(what + " holds " + x);
            }
        }
    }

    private static int[] identity(int n) {
        int[] identity = new int[n];
        for (int i = 0; i < n; i++) {
            identity[i] = i;
        }
        return identity;
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int d = 0; d < a.length; d++) {
            sum += (double) a[d] * b[d];
        }
        return sum;
    }

    private static float[][] deepCopy(float[][] rows) {
        float[][] copy = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            copy[i] = rows[i].clone();
        }
        return copy;
    }
}
