package io.longstream.state.policy.epicache;

import java.util.SplittableRandom;

/** Synthetic segment embeddings: L2-normalised vectors scattered tightly around random unit directions. */
final class Blobs {
    static final int DIM = 384;

    final float[][] points;
    final int[] truth;

    /** {@code perBlob} points for each of {@code blobs} directions, interleaved in time as a conversation would be. */
    Blobs(int blobs, int perBlob, double noise, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] directions = new float[blobs][];
        for (int b = 0; b < blobs; b++) {
            directions[b] = unitGaussian(random, null, 0);
        }
        points = new float[blobs * perBlob][];
        truth = new int[points.length];
        for (int i = 0; i < points.length; i++) {
            truth[i] = random.nextInt(blobs);
            points[i] = unitGaussian(random, directions[truth[i]], noise);
        }
    }

    /** A unit vector: {@code around + noise·gaussian}, or a uniformly random direction when around is null. */
    static float[] unitGaussian(SplittableRandom random, float[] around, double noise) {
        double[] v = new double[DIM];
        double norm = 0;
        for (int d = 0; d < DIM; d++) {
            double g = gaussian(random);
            v[d] = around == null ? g : around[d] + noise * g;
            norm += v[d] * v[d];
        }
        norm = StrictMath.sqrt(norm);
        float[] unit = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            unit[d] = (float) (v[d] / norm);
        }
        return unit;
    }

    /** Box–Muller with StrictMath, so the data are the same on every JVM. */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u)) * StrictMath.cos(2 * StrictMath.PI * random.nextDouble());
    }
}
