package io.longstream.state.policy.epicache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OnlineEpisodesTest {
    private static final int E = 4;
    private static final int M = 8;
    private static final long SEED = 0x5e55_10dL;

    /** A seeded conversation over {@code topics} well-separated directions; the first segments visit every topic once. */
    private static final class Conversation {
        final float[][] directions;
        final List<float[]> embeddings = new ArrayList<>();
        final List<Integer> topics = new ArrayList<>();

        Conversation(int topics, int segments, int dim, double noise, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            directions = new float[topics][];
            for (int t = 0; t < topics; t++) {
                directions[t] = unit(random, null, 0, dim);
            }
            int[] opening = shuffled(topics, random);
            for (int i = 0; i < segments; i++) {
                int topic = i < topics ? opening[i] : random.nextInt(topics);
                this.topics.add(topic);
                embeddings.add(unit(random, directions[topic], noise, dim));
            }
        }

        /** The text of segment i names its topic and number, so tests can read both back from medoid texts. */
        String text(int i) {
            return "topic " + topics.get(i) + " #" + i;
        }

        OnlineEpisodes.Update feed(OnlineEpisodes episodes, int i) {
            return episodes.addSegment(embeddings.get(i), text(i));
        }
    }

    @Test
    void oneEpisodeUntilTheEthSegmentThenReRunsEveryEightSegments() {
        Conversation conversation = new Conversation(E, 60, 16, 0.02, 1);
        OnlineEpisodes episodes = new OnlineEpisodes(E, M, SEED);
        for (int i = 0; i < 60; i++) {
            OnlineEpisodes.Update update = conversation.feed(episodes, i);
            long count = i + 1;
            boolean due = count >= E && (count - E) % 8 == 0;
            assertEquals(new OnlineEpisodes.Update(due, count == E), update, "segment " + count);
            if (count < E) {
                assertEquals(1, episodes.episodeCount());
                assertEquals(0, episodes.centroids().length);
                assertEquals(List.of(), episodes.medoidTexts(0));
                assertEquals(0, episodes.route(conversation.directions[3]));
                assertTrue(Arrays.stream(episodes.labels()).allMatch(label -> label == OnlineEpisodes.UNCLUSTERED));
                assertThrows(IndexOutOfBoundsException.class, () -> episodes.medoidTexts(1));
            } else {
                assertEquals(E, episodes.episodeCount());
                assertEquals(E, episodes.centroids().length);
            }
        }
        // 60 = 4 + 7·8 + 0: the last run was at 60, so nothing is unclustered
        assertTrue(Arrays.stream(episodes.labels()).allMatch(label -> label >= 0));
        conversation.feed(episodes, 0);
        assertEquals(OnlineEpisodes.UNCLUSTERED, episodes.labels()[60]);
    }

    @Test
    void segmentsGoToTheirTopicsEpisodeAndEpisodesKeepTheirTopicsAcrossReRuns() {
        Conversation conversation = new Conversation(E, 300, Blobs.DIM, 0.02, 7);
        OnlineEpisodes episodes = new OnlineEpisodes(E, M, SEED);
        int[] episodeOfTopic = null;
        int renumbered = 0;
        for (int i = 0; i < 300; i++) {
            if (!conversation.feed(episodes, i).reclustered()) {
                continue;
            }
            int[] routes = new int[E];
            for (int t = 0; t < E; t++) {
                routes[t] = episodes.route(conversation.directions[t]);
            }
            if (episodeOfTopic == null) {
                episodeOfTopic = routes;
                assertEquals(E, Arrays.stream(episodeOfTopic).distinct().count(), "each topic has its own episode");
            }
            assertArrayEquals(episodeOfTopic, routes, "after segment " + (i + 1));
            int[] labels = episodes.labels();
            for (int s = 0; s <= i; s++) {
                assertEquals(episodeOfTopic[conversation.topics.get(s)], labels[s], "segment " + s + " after " + (i + 1));
                assertEquals(labels[s], episodes.route(conversation.embeddings.get(s)), "segment " + s + " routes to its episode");
            }
            int[] raw = KMeans.fit(conversation.embeddings.subList(0, i + 1).toArray(float[][]::new), E, SEED).labels();
            if (!Arrays.equals(raw, labels)) {
                renumbered++;
            }
        }
        assertTrue(renumbered > 0, "k-means renumbered its clusters at least once, so relabelling was exercised");
    }

    @Test
    void medoidsAreChronologicalMembersOfTheirEpisodeNearestTheCentroid() {
        Conversation conversation = new Conversation(E, 120, Blobs.DIM, 0.05, 3);
        OnlineEpisodes episodes = new OnlineEpisodes(E, M, SEED);
        for (int i = 0; i < 120; i++) {
            conversation.feed(episodes, i);
        }
        // 120 = 4 + 14·8 + 4: four segments arrived after the last run, which saw the first 116
        int[] labels = episodes.labels();
        float[][] points = conversation.embeddings.subList(0, 116).toArray(float[][]::new);
        for (int k = 0; k < E; k++) {
            int episode = k;
            int[] members = IntStream.range(0, 116).filter(s -> labels[s] == episode).toArray();
            assertTrue(members.length > M, "episode " + k + " has more members than medoids");
            int[] chosen = Medoids.closest(points, members, episodes.centroids()[k], M);
            List<String> expected = Arrays.stream(chosen).mapToObj(conversation::text).toList();
            List<String> medoids = episodes.medoidTexts(k);
            assertEquals(expected, medoids);
            int[] ranks = episodes.medoidRanks(k);
            for (int a = 0; a < ranks.length; a++) {
                for (int b = 0; b < ranks.length; b++) {
                    if (ranks[a] < ranks[b]) {
                        assertTrue(Vectors.squaredDistance(points[chosen[a]], episodes.centroids()[k])
                                <= Vectors.squaredDistance(points[chosen[b]], episodes.centroids()[k]), "rank 0 is the most central");
                    }
                }
            }
            int previous = -1;
            for (String text : medoids) {
                int s = Integer.parseInt(text.substring(text.indexOf('#') + 1));
                assertTrue(s > previous, "chronological: " + medoids);
                assertEquals(k, labels[s], text + " belongs to episode " + k);
                assertTrue(text.startsWith(medoids.get(0).substring(0, "topic t".length())), "one topic per episode: " + medoids);
                previous = s;
            }
        }
    }

    @Test
    void theWindowKeepsTheNewest1024AndMedoidsChangeOnlyAtReRuns() {
        int total = 1100;
        Conversation conversation = new Conversation(E, total, 8, 0.02, 5);
        OnlineEpisodes episodes = new OnlineEpisodes(E, M, SEED);
        List<List<String>> medoids = null;
        for (int i = 0; i < total; i++) {
            boolean reclustered = conversation.feed(episodes, i).reclustered();
            List<List<String>> now = allMedoids(episodes);
            if (!reclustered && medoids != null) {
                assertEquals(medoids, now, "medoids are fixed between runs, segment " + (i + 1));
            }
            medoids = now;
        }
        assertEquals(total, episodes.segmentCount());
        List<String> expected = IntStream.range(total - OnlineEpisodes.WINDOW, total).mapToObj(conversation::text).toList();
        assertEquals(expected, episodes.texts());
        assertEquals(OnlineEpisodes.WINDOW, episodes.labels().length);
        assertEquals(OnlineEpisodes.WINDOW, episodes.snapshot().embeddings().length);
        // 1100 = 4 + 137·8: the last run clustered exactly the window that is stored now
        float[][] window = conversation.embeddings.subList(total - OnlineEpisodes.WINDOW, total).toArray(float[][]::new);
        KMeansTest.assertSamePartition(KMeans.fit(window, E, SEED).labels(), episodes.labels(), E, "the stored window");
    }

    @Test
    void aRestoredSnapshotContinuesBitIdentically() {
        int total = 1070;
        int follow = 40;
        List<Integer> cuts = List.of(0, 2, E, 7, 12, 13, 500, 1024, 1030);
        Conversation conversation = new Conversation(E, total, 8, 0.4, 9);
        OnlineEpisodes original = new OnlineEpisodes(E, M, SEED);
        List<OnlineEpisodes> restored = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            if (cuts.contains(i)) {
                restored.add(OnlineEpisodes.restore(original.snapshot()));
            }
            OnlineEpisodes.Update update = conversation.feed(original, i);
            for (int c = 0; c < restored.size(); c++) {
                int cut = cuts.get(c);
                if (i < cut + follow) {
                    String context = "restored at " + cut + ", segment " + i;
                    assertEquals(update, conversation.feed(restored.get(c), i), context);
                    assertSameState(original, restored.get(c), context);
                    assertEquals(original.route(conversation.embeddings.get(i)), restored.get(c).route(conversation.embeddings.get(i)), context);
                }
            }
        }
        assertEquals(cuts.size(), restored.size());
    }

    @Test
    void theSameInputTwiceGivesIdenticalResults() {
        Conversation conversation = new Conversation(E, 200, 16, 0.6, 13);
        OnlineEpisodes first = new OnlineEpisodes(E, M, SEED);
        OnlineEpisodes second = new OnlineEpisodes(E, M, SEED);
        for (int i = 0; i < 200; i++) {
            assertEquals(conversation.feed(first, i), conversation.feed(second, i));
        }
        assertSameState(first, second, "same input");
    }

    @Test
    void aSnapshotIsACopyNotAView() {
        Conversation conversation = new Conversation(E, 12, 8, 0.02, 2);
        OnlineEpisodes episodes = new OnlineEpisodes(E, M, SEED);
        for (int i = 0; i < 12; i++) {
            conversation.feed(episodes, i);
        }
        OnlineEpisodes.State state = episodes.snapshot();
        float before = episodes.centroids()[0][0];
        state.centroids()[0][0] = 42;
        state.embeddings()[0][0] = 42;
        episodes.centroids()[0][0] = 42;
        assertEquals(before, episodes.centroids()[0][0]);
        assertNotEquals(42f, episodes.snapshot().embeddings()[0][0]);
    }

    @Test
    void routingTakesTheLargestDotProductWithTiesToTheLowestEpisode() {
        float[] x = {1, 0};
        float[] y = {0, 1};
        OnlineEpisodes same = OnlineEpisodes.restore(handMade(new float[][] {x, x}));
        assertEquals(0, same.route(x));
        OnlineEpisodes crossed = OnlineEpisodes.restore(handMade(new float[][] {y, x}));
        assertEquals(1, crossed.route(x));
        assertEquals(0, crossed.route(y));
        // the dot product is not the cosine: a longer centroid wins over a better-aligned one
        OnlineEpisodes lengths = OnlineEpisodes.restore(handMade(new float[][] {{0.5f, 0}, {0.8f, 0.8f}}));
        assertEquals(1, lengths.route(x));
        assertThrows(IllegalArgumentException.class, () -> same.route(new float[] {1, 0, 0}));
    }

    @Test
    void badSegmentsParametersAndStatesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OnlineEpisodes(0, M, SEED));
        assertThrows(IllegalArgumentException.class, () -> new OnlineEpisodes(OnlineEpisodes.WINDOW + 1, M, SEED));
        assertThrows(IllegalArgumentException.class, () -> new OnlineEpisodes(E, -1, SEED));
        OnlineEpisodes episodes = new OnlineEpisodes(E, M, SEED);
        assertThrows(IllegalArgumentException.class, () -> episodes.addSegment(new float[0], "empty"));
        assertThrows(IllegalArgumentException.class, () -> episodes.addSegment(new float[] {Float.NaN, 0}, "nan"));
        episodes.addSegment(new float[] {1, 0}, "a");
        assertThrows(IllegalArgumentException.class, () -> episodes.addSegment(new float[] {1, 0, 0}, "longer"));
        assertEquals(1, episodes.segmentCount(), "a refused segment is not stored");

        OnlineEpisodes.State good = handMade(new float[][] {{1, 0}, {0, 1}});
        OnlineEpisodes.restore(good);
        assertThrows(IllegalArgumentException.class, () -> OnlineEpisodes.restore(withCount(good, 3)));
        assertThrows(IllegalArgumentException.class, () -> OnlineEpisodes.restore(new OnlineEpisodes.State(2, M, SEED, 2,
                good.embeddings(), good.texts(), new int[] {0, 2}, good.centroids(), good.medoidTexts(), good.medoidRanks())));
        assertThrows(IllegalArgumentException.class, () -> OnlineEpisodes.restore(new OnlineEpisodes.State(2, M, SEED, 2,
                good.embeddings(), good.texts(), good.labels(), new float[0][], good.medoidTexts(), good.medoidRanks())));
        assertThrows(IllegalArgumentException.class, () -> OnlineEpisodes.restore(new OnlineEpisodes.State(2, M, SEED, 2,
                good.embeddings(), new String[] {"a"}, good.labels(), good.centroids(), good.medoidTexts(), good.medoidRanks())));
    }

    /** A clustered two-episode state over two 2-d segments with the given centroids. */
    private static OnlineEpisodes.State handMade(float[][] centroids) {
        return new OnlineEpisodes.State(2, M, SEED, 2, new float[][] {{1, 0}, {0, 1}}, new String[] {"a", "b"},
                new int[] {0, 1}, centroids, new String[][] {{"a"}, {"b"}}, new int[][] {{0}, {0}});
    }

    private static OnlineEpisodes.State withCount(OnlineEpisodes.State s, long count) {
        return new OnlineEpisodes.State(s.episodes(), s.medoids(), s.seed(), count, s.embeddings(), s.texts(), s.labels(), s.centroids(), s.medoidTexts(), s.medoidRanks());
    }

    private static List<List<String>> allMedoids(OnlineEpisodes episodes) {
        List<List<String>> all = new ArrayList<>();
        for (int k = 0; k < episodes.episodeCount(); k++) {
            all.add(episodes.medoidTexts(k));
        }
        return all;
    }

    /** Both instances hold the same state, floats compared by their bits. */
    private static void assertSameState(OnlineEpisodes a, OnlineEpisodes b, String context) {
        OnlineEpisodes.State x = a.snapshot();
        OnlineEpisodes.State y = b.snapshot();
        assertEquals(x.episodes(), y.episodes(), context);
        assertEquals(x.medoids(), y.medoids(), context);
        assertEquals(x.seed(), y.seed(), context);
        assertEquals(x.segmentCount(), y.segmentCount(), context);
        assertEquals(bits(x.embeddings()), bits(y.embeddings()), context);
        assertArrayEquals(x.texts(), y.texts(), context);
        assertArrayEquals(x.labels(), y.labels(), context);
        assertEquals(bits(x.centroids()), bits(y.centroids()), context);
        assertTrue(Arrays.deepEquals(x.medoidTexts(), y.medoidTexts()), context);
        assertTrue(Arrays.deepEquals(x.medoidRanks(), y.medoidRanks()), context);
        assertEquals(a.episodeCount(), b.episodeCount(), context);
    }

    private static List<List<Integer>> bits(float[][] rows) {
        List<List<Integer>> bits = new ArrayList<>();
        for (float[] row : rows) {
            List<Integer> rowBits = new ArrayList<>();
            for (float v : row) {
                rowBits.add(Float.floatToRawIntBits(v));
            }
            bits.add(rowBits);
        }
        return bits;
    }

    private static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** A unit vector {@code around + noise·gaussian} (a random direction when around is null), via StrictMath Box–Muller. */
    private static float[] unit(SplittableRandom random, float[] around, double noise, int dim) {
        double[] v = new double[dim];
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            double g = StrictMath.sqrt(-2 * StrictMath.log(1.0 - random.nextDouble())) * StrictMath.cos(2 * StrictMath.PI * random.nextDouble());
            v[d] = around == null ? g : around[d] + noise * g;
            norm += v[d] * v[d];
        }
        norm = StrictMath.sqrt(norm);
        float[] unit = new float[dim];
        for (int d = 0; d < dim; d++) {
            unit[d] = (float) (v[d] / norm);
        }
        return unit;
    }
}
