package io.longstream.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ReadProbeTest {
    @Test
    void sustainedIsTheMedianPassOfThePatternWithTheHighestMedian() {
        // pattern 0 has the fastest single pass (70) but pattern 1 the higher median (60 vs 50)
        ReadProbe probe = new ReadProbe(new double[][] {{50, 70, 40}, {61, 58, 60}, {30, 31, 29}});
        assertEquals(60, probe.sustained());
        assertEquals(70, probe.peak());
    }

    @Test
    void anEvenNumberOfPassesTakesTheMeanOfTheMiddleTwo() {
        assertEquals(55, new ReadProbe(new double[][] {{50, 70, 40, 60}}).sustained());
    }

    @Test
    void twoProbesPoolTheirPassesPatternByPattern() {
        ReadProbe before = new ReadProbe(new double[][] {{10, 20, 30}, {40, 41, 42}});
        ReadProbe after = new ReadProbe(new double[][] {{90, 91, 92}, {43, 44, 45}});
        ReadProbe both = before.with(after);
        assertEquals(60, both.sustained()); // median of {10, 20, 30, 90, 91, 92}: pooled, not the better probe's 91
        assertEquals(92, both.peak());
    }

    @Test
    void probesOfDifferentPatternsDoNotPool() {
        ReadProbe one = new ReadProbe(new double[][] {{1}});
        ReadProbe two = new ReadProbe(new double[][] {{1}, {2}});
        assertThrows(IllegalArgumentException.class, () -> one.with(two));
    }

    @Test
    void aPatternWithoutPassesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ReadProbe(new double[][] {{1}, {}}));
    }
}
