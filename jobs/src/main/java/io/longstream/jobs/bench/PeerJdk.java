package io.longstream.jobs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Finds a JDK 21+ to build and run the Jlama peer, which cannot run on the project's Java 17. */
final class PeerJdk {
    static final String ENV = "LONGSTREAM_PEER_JDK";
    static final int MIN_VERSION = 21;
    private static final Path JVM_DIR = Path.of("/usr/lib/jvm");
    private static final Path PREFERRED = JVM_DIR.resolve("temurin-25-jdk-amd64");
    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"?([0-9.]+)");

    private PeerJdk() {
    }

    /** The env variable's JDK if set (it must qualify), else Temurin 25, else the newest qualifying one in /usr/lib/jvm. */
    static Optional<Path> find() throws IOException {
        String fromEnv = System.getenv(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path home = Path.of(fromEnv);
            if (!qualifies(home)) {
                throw new IOException(ENV + "=" + fromEnv + " is not a JDK " + MIN_VERSION + "+");
            }
            return Optional.of(home);
        }
        if (qualifies(PREFERRED)) {
            return Optional.of(PREFERRED);
        }
        if (!Files.isDirectory(JVM_DIR)) {
            return Optional.empty();
        }
        List<Path> homes = new ArrayList<>();
        try (Stream<Path> entries = Files.list(JVM_DIR)) {
            entries.filter(PeerJdk::qualifies).forEach(homes::add);
        }
        return homes.stream().max(Comparator.comparingInt(home -> majorVersion(home).orElse(0)));
    }

    /** A JDK (it has javac, which the peer's build needs) whose release file says version 21 or later. */
    static boolean qualifies(Path home) {
        return Files.isExecutable(home.resolve("bin/java")) && Files.isExecutable(home.resolve("bin/javac"))
                && majorVersion(home).orElse(0) >= MIN_VERSION;
    }

    private static Optional<Integer> majorVersion(Path home) {
        try {
            return parseMajor(Files.readString(home.resolve("release")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The major version in a release file's JAVA_VERSION line; "1.8.0" style versions give 8. */
    static Optional<Integer> parseMajor(String releaseFile) {
        Matcher m = JAVA_VERSION.matcher(releaseFile);
        if (!m.find()) {
            return Optional.empty();
        }
        String[] parts = m.group(1).split("\\.");
        int major = Integer.parseInt(parts[0]);
        return Optional.of(major == 1 && parts.length > 1 ? Integer.parseInt(parts[1]) : major);
    }
}
