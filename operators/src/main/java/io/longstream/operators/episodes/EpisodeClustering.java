package io.longstream.operators.episodes;

/**
 * An epicache session's clustering in Flink state, a POJO so Flink serialises it without Kryo: everything of
 * {@code OnlineEpisodes.State} but the stored segments, which live one entry each in {@link EpisodeStore}'s map.
 */
public class EpisodeClustering {
    public int episodes;
    public int medoids;
    public long seed;
    /** Segments closed over the session's life; the window holds the newest min(count, 1024), numbered count − n .. count − 1. */
    public long segmentCount;
    /** The window's labels, oldest first. */
    public int[] labels = new int[0];
    public float[][] centroids = new float[0][];
    public String[][] medoidTexts = new String[0][];
    public int[][] medoidRanks = new int[0][];

    public EpisodeClustering() {
    }
}
