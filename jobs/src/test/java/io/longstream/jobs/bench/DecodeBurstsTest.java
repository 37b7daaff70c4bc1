package io.longstream.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecodeBurstsTest {
    private static final double GB = 1e9;

    /** A probe of one read pattern whose passes ran at these GB/s. */
    private static ReadProbe passes(double... gbPerSecond) {
        double[] rates = new double[gbPerSecond.length];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = gbPerSecond[i] * GB;
        }
        return new ReadProbe(new double[][] {rates});
    }

    @Test
    void aBurstAcrossABandwidthChangeIsLeftOut() {
        DecodeBursts bursts = new DecodeBursts();
        assertTrue(bursts.add(4, 1.0, 30 * GB, passes(35), passes(33)));
        assertFalse(bursts.add(4, 1.0, 30 * GB, passes(35), passes(60)));
        assertEquals(4, bursts.tokens());
        assertEquals(1, bursts.leftOut());
    }

    @Test
    void aSingleFastPassDoesNotMakeABurstUnsteady() {
        // medians 40 and 40: one pass at 50 GB/s is scatter, not a change of speed
        assertTrue(new DecodeBursts().add(4, 1.0, 30 * GB, passes(40, 50, 39), passes(40, 41, 38)));
    }

    @Test
    void eachBurstIsHeldToTheMedianPassAroundItAndReportsTheBestPass() {
        DecodeBursts bursts = new DecodeBursts();
        bursts.add(4, 1.0, 30 * GB, passes(38, 40, 50), passes(40, 39, 41)); // median 40: 0.75 s; best 50: 0.6 s
        bursts.add(4, 1.0, 50 * GB, passes(62.5, 62, 70), passes(62.5, 63, 61)); // median 62.5: 0.8 s; best 70
        assertEquals(4.0, bursts.tokensPerSecond(), 1e-12);
        assertEquals(40 * GB, bursts.achieved(), 1e-3);
        assertEquals(80 * GB / 1.55, bursts.roofline(), 1e-3);
        assertEquals((0.6 + 50.0 / 70) / 2, bursts.peakShare(), 1e-12);
        assertEquals("75.0% of bandwidth (60.0% of the best pass) in 1 burst at 40.0-40.0 GB/s, "
                + "80.0% of bandwidth (71.4% of the best pass) in 1 burst at 62.5-62.5 GB/s", bursts.bands());
    }

    @Test
    void closeSpeedsMakeOneBand() {
        DecodeBursts bursts = new DecodeBursts();
        bursts.add(4, 1.0, 30 * GB, passes(40), passes(40));
        bursts.add(4, 1.0, 36 * GB, passes(45), passes(45));
        // (0.75 + 0.8) s of 2 s
        assertEquals("77.5% of bandwidth (77.5% of the best pass) in 2 bursts at 40.0-45.0 GB/s", bursts.bands());
    }

    @Test
    void measureTimesBurstsAfterAnUntimedTokenAndProbesAroundEach() {
        List<Integer> asked = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        // probes: steady, steady, then a jump that leaves the second burst out, then steady again
        Deque<ReadProbe> probes = new ArrayDeque<>(List.of(passes(40), passes(40), passes(60), passes(60), passes(60)));
        DecodeBursts bursts = DecodeBursts.measure(tokens -> {
            asked.add(tokens);
            return tokens == 1 ? 100.0 : 0.5 * tokens; // an untimed token's time must not count
        }, probes::remove, 10, 4, 100, position -> {
            positions.add(position);
            return 1e9;
        }, 1000);
        assertEquals(List.of(1, 4, 1, 4, 1, 4, 1, 2), asked);
        assertEquals(10, bursts.tokens());
        assertEquals(1, bursts.leftOut());
        assertEquals(2.0, bursts.tokensPerSecond(), 1e-12);
        // each burst is charged the bytes of the token in its middle: 1000 + tokens before it + 1 untimed + half the burst
        assertEquals(List.of(1003, 1008, 1013, 1017), positions);
    }

    @Test
    void measureStopsAtItsTokenBudgetWhenNoBurstIsSteady() {
        Deque<ReadProbe> probes = new ArrayDeque<>();
        for (int i = 0; i < 20; i++) {
            probes.add(passes(i % 2 == 0 ? 35 : 65));
        }
        List<Integer> asked = new ArrayList<>();
        DecodeBursts bursts = DecodeBursts.measure(tokens -> {
            asked.add(tokens);
            return 1.0;
        }, probes::remove, 8, 8, 20, position -> 1e9, 0);
        assertEquals(0, bursts.tokens());
        assertEquals(3, bursts.leftOut()); // 9 + 9 tokens spent, the third burst starts at 18 < 20
        assertEquals(List.of(1, 8, 1, 8, 1, 8), asked);
    }

    @Test
    void burstsThatReadFasterThanEveryProbePassAreFlagged() {
        DecodeBursts bursts = new DecodeBursts();
        assertFalse(bursts.outranTheProbes());
        bursts.add(4, 1.0, 35 * GB, passes(20, 24), passes(21, 22)); // 35 GB/s read against passes of at most 24
        assertTrue(bursts.outranTheProbes());
        DecodeBursts fine = new DecodeBursts();
        fine.add(4, 1.0, 35 * GB, passes(34, 36), passes(35, 36));
        assertFalse(fine.outranTheProbes());
    }
}
