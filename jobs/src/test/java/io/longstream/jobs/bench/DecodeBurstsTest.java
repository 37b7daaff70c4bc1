package io.longstream.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
