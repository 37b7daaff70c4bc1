package io.longstream.inference.epicache;

import java.util.SplittableRandom;
import java.util.function.Function;

/** A stand-in segment encoder for tests: one direction per topic word the text contains, a little text-seeded noise, unit length. */
public final class TopicEncoder implements Function<String, float[]> {
    private final String[] topics;

    public TopicEncoder(String... topics) {
        this.topics = topics;
    }

    @Override
    public float[] apply(String text) {
        float[] v = new float[topics.length + 4];
        SplittableRandom r = new SplittableRandom(text.hashCode());
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.05 * r.nextGaussian());
        }
        for (int t = 0; t < topics.length; t++) {
            if (text.contains(topics[t])) {
                v[t] += 1f;
            }
        }
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= (float) Math.sqrt(n);
        }
        return v;
    }
}
