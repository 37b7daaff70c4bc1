package io.longstream.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DecodeBurstsTest {
    private static final double GB = 1e9;

    @Test
    void aBurstAcrossABandwidthChangeIsLeftOut() {
        DecodeBursts bursts = new DecodeBursts();
        assertTrue(bursts.add(4, 1.0, 30 * GB, 35 * GB, 33 * GB));
        assertFalse(bursts.add(4, 1.0, 30 * GB, 35 * GB, 60 * GB));
        assertEquals(4, bursts.tokens());
        assertEquals(1, bursts.leftOut());
    }

    @Test
    void eachBurstIsHeldToTheBetterMeasurementAroundIt() {
        DecodeBursts bursts = new DecodeBursts();
        bursts.add(4, 1.0, 30 * GB, 40 * GB, 38 * GB);   // the roofline allows 0.75 s
        bursts.add(4, 1.0, 50 * GB, 60 * GB, 62.5 * GB); // 0.8 s
        assertEquals(4.0, bursts.tokensPerSecond(), 1e-12);
        assertEquals(40 * GB, bursts.achieved(), 1e-3);
        assertEquals(80 * GB / 1.55, bursts.roofline(), 1e-3);
        assertEquals("75.0% of bandwidth in 1 burst at 40.0-40.0 GB/s, 80.0% of bandwidth in 1 burst at 62.5-62.5 GB/s", bursts.bands());
    }

    @Test
    void closeSpeedsMakeOneBand() {
        DecodeBursts bursts = new DecodeBursts();
        bursts.add(4, 1.0, 30 * GB, 40 * GB, 40 * GB);
        bursts.add(4, 1.0, 36 * GB, 45 * GB, 45 * GB);
        assertEquals("77.5% of bandwidth in 2 bursts at 40.0-45.0 GB/s", bursts.bands()); // (0.75 + 0.8) s of 2 s
    }
}
