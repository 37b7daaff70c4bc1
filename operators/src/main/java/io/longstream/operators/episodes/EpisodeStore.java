package io.longstream.operators.episodes;

import io.longstream.state.policy.epicache.OnlineEpisodes;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/**
 * An epicache session's clustering in Flink state: each closed segment once, by its number, in a map (so closing
 * one writes one entry, not the window), and the clustering beside it, rewritten only when a segment closes.
 */
public final class EpisodeStore {
    private final MapState<Long, EpisodeSegment> segments;
    private final ValueState<EpisodeClustering> clustering;

    public EpisodeStore(MapState<Long, EpisodeSegment> segments, ValueState<EpisodeClustering> clustering) {
        this.segments = segments;
        this.clustering = clustering;
    }

    /** Writes the segments closed since {@code savedCount} and the clustering; drops segments that left the window. */
    public void save(OnlineEpisodes.State state, long savedCount) throws Exception {
        long count = state.segmentCount();
        int n = state.embeddings().length;
        long first = count - n;
        for (long s = Math.max(first, savedCount); s < count; s++) {
            int i = (int) (s - first);
            segments.put(s, new EpisodeSegment(state.embeddings()[i], state.texts()[i]));
        }
        for (long s = Math.max(0, savedCount - OnlineEpisodes.WINDOW); s < first; s++) {
            segments.remove(s);
        }
        EpisodeClustering c = new EpisodeClustering();
        c.episodes = state.episodes();
        c.medoids = state.medoids();
        c.seed = state.seed();
        c.segmentCount = count;
        c.labels = state.labels();
        c.centroids = state.centroids();
        c.medoidTexts = state.medoidTexts();
        c.medoidRanks = state.medoidRanks();
        clustering.update(c);
    }

    /** The state saved last, or null if the session has closed no segment. */
    public OnlineEpisodes.State load() throws Exception {
        EpisodeClustering c = clustering.value();
        if (c == null) {
            return null;
        }
        int n = (int) Math.min(c.segmentCount, OnlineEpisodes.WINDOW);
        float[][] embeddings = new float[n][];
        String[] texts = new String[n];
        for (int i = 0; i < n; i++) {
            long number = c.segmentCount - n + i;
            EpisodeSegment segment = segments.get(number);
            if (segment == null) {
                throw new IllegalStateException("episode segment " + number + " is missing from state");
            }
            embeddings[i] = segment.embedding;
            texts[i] = segment.text;
        }
        return new OnlineEpisodes.State(c.episodes, c.medoids, c.seed, c.segmentCount, embeddings, texts, c.labels, c.centroids,
                c.medoidTexts, c.medoidRanks);
    }

    public void clear() {
        segments.clear();
        clustering.clear();
    }
}
