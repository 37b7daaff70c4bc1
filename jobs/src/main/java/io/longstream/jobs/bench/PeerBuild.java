package io.longstream.jobs.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

/** Keeps bench/jlama-peer built: rebuilds it with Maven under the peer JDK when its outputs are missing or stale. */
final class PeerBuild {
    static final String MAIN_CLASS = "io.longstream.bench.jlama.JlamaPeer";

    private final Path project;
    private final Path jar;
    private final Path classpathFile;

    PeerBuild(Path project) {
        this.project = project;
        this.jar = project.resolve("target/jlama-peer.jar");
        this.classpathFile = project.resolve("target/classpath.txt");
    }

    /** The peer's run classpath, building it first if needed. */
    String classpath(Path jdk) throws IOException, InterruptedException {
        if (stale()) {
            System.err.println("Building the Jlama peer (" + project + ") with " + jdk);
            build(jdk);
        }
        return jar + File.pathSeparator + Files.readString(classpathFile).strip();
    }

    private boolean stale() throws IOException {
        if (!Files.exists(jar) || !Files.exists(classpathFile)) {
            return true;
        }
        FileTime built = min(Files.getLastModifiedTime(jar), Files.getLastModifiedTime(classpathFile));
        try (Stream<Path> sources = Stream.concat(Stream.of(project.resolve("pom.xml")),
                Files.walk(project.resolve("src")))) {
            return sources.anyMatch(p -> modified(p).compareTo(built) > 0);
        }
    }

    private void build(Path jdk) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of("mvn", "-B", "-q", "-DskipTests", "package"))
                .directory(project.toFile())
                .redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", jdk.toString());
        Process mvn = pb.start();
        // Maven's output goes to stderr so that the CLI's stdout carries only results.
        try (InputStream out = mvn.getInputStream()) {
            out.transferTo(System.err);
        }
        int exit = mvn.waitFor();
        if (exit != 0 || stale()) {
            throw new IOException("building the Jlama peer failed (mvn exit " + exit + ") in " + project);
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileTime min(FileTime a, FileTime b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
