package io.longstream.inference.epicache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SegmentEncoderTest {
    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @Test
    void relatedSegmentsAreCloserThanUnrelatedOnesAndVectorsAreUnitLength() {
        float[] ferry = SegmentEncoder.embed("User said, \"The ferry left the harbor at seven with two hundred passengers.\"");
        float[] boat = SegmentEncoder.embed("User said, \"A boat carrying passengers departed from the port this morning.\"");
        float[] bread = SegmentEncoder.embed("User said, \"Mix flour, water and salt, then bake the sourdough loaf.\"");
        assertEquals(SegmentEncoder.DIMENSIONS, ferry.length);
        assertEquals(1.0, dot(ferry, ferry), 1e-5);
        assertTrue(dot(ferry, boat) > dot(ferry, bread) + 0.2, "related " + dot(ferry, boat) + " unrelated " + dot(ferry, bread));
    }

    @Test
    void theSameTextGivesTheSameBits() {
        String text = "Assistant said, \"Try the 2.4 GHz band first.\"";
        assertArrayEquals(SegmentEncoder.embed(text), SegmentEncoder.embed(text));
    }
}
