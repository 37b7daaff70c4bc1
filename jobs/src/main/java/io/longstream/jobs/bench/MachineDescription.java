package io.longstream.jobs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jdk.incubator.vector.FloatVector;

/** One line naming the machine a benchmark ran on: CPU model, cores, JVM, vector width. */
final class MachineDescription {
    private MachineDescription() {
    }

    static String describe(int threads) {
        return String.format("%s, %d cores, %d threads, Java %s (%s), %d-bit vectors", cpuModel(),
                Runtime.getRuntime().availableProcessors(), threads, System.getProperty("java.version"),
                System.getProperty("java.vm.vendor"), FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
        return System.getProperty("os.arch");
    }
}
