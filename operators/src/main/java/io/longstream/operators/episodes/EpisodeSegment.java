package io.longstream.operators.episodes;

/** One closed segment in Flink state: its embedding (fp32, never recomputed) and its text, for medoids. */
public class EpisodeSegment {
    public float[] embedding = new float[0];
    public String text = "";

    public EpisodeSegment() {
    }

    EpisodeSegment(float[] embedding, String text) {
        this.embedding = embedding;
        this.text = text;
    }
}
