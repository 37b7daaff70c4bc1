package io.longstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A Flink standalone session cluster as its scripts start one: a JobManager and a TaskManager, each its own
 * JVM on loopback, from a distribution's classpath ({@code lib/}: Flink's jars plus the extra ones a
 * deployment adds) and a conf dir whose {@code config.yaml} is the given lines plus this machine's addresses,
 * ports and memory. JVM flags and memory settings are derived from the configuration as {@code bin/jobmanager.sh}
 * and {@code bin/taskmanager.sh} derive them; {@link #flink} runs the {@code flink} command line.
 */
final class StandaloneFlinkCluster implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path confDir;
    private final String classpath;
    private final Configuration conf;
    private final String rest;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> processes = new ArrayList<>();

    /**
     * @param lib the classpath entries of the distribution's {@code lib/}
     * @param configLines lines of {@code config.yaml} (a deployment's settings)
     */
    StandaloneFlinkCluster(Path dir, List<Path> lib, String configLines) throws IOException {
        this.dir = dir;
        this.confDir = Files.createDirectories(dir.resolve("conf"));
        this.classpath = lib.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        int restPort = freeLoopbackPort();
        String local = String.join("\n",
                "jobmanager.rpc.address: 127.0.0.1",
                "jobmanager.bind-host: 127.0.0.1",
                "jobmanager.rpc.port: " + freeLoopbackPort(),
                "rest.address: 127.0.0.1",
                "rest.bind-address: 127.0.0.1",
                "rest.port: " + restPort,
                "taskmanager.host: 127.0.0.1",
                "taskmanager.bind-host: 127.0.0.1",
                "taskmanager.numberOfTaskSlots: 1",
                "jobmanager.memory.process.size: 768m",
                "taskmanager.memory.process.size: 1536m",
                "io.tmp.dirs: " + Files.createDirectories(dir.resolve("tmp")));
        Files.writeString(confDir.resolve("config.yaml"), configLines + "\n\n# this machine\n" + local + "\n");
        this.conf = GlobalConfiguration.loadConfiguration(confDir.toString());
        this.rest = "http://127.0.0.1:" + restPort;
    }

    /** Starts the JobManager and one TaskManager ({@link #awaitTaskManager} waits for them). */
    StandaloneFlinkCluster launch() throws IOException {
        JobManagerProcessSpec jm = JobManagerProcessUtils.processSpecFromConfig(conf);
        launch("jobmanager", List.of(JobManagerProcessUtils.generateJvmParametersStr(jm, conf)),
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                JobManagerProcessUtils.generateDynamicConfigsStr(jm));
        TaskExecutorProcessSpec tm = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        launch("taskmanager", List.of(ProcessMemoryUtils.generateJvmParametersStr(tm)),
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", TaskExecutorProcessUtils.generateDynamicConfigsStr(tm));
        return this;
    }

    /** Returns once the TaskManager has registered and offers its slot. */
    void awaitTaskManager() throws Exception {
        await(() -> {
            JsonNode overview = get("/overview");
            return overview != null && overview.get("taskmanagers").asInt() == 1 && overview.get("slots-available").asInt() == 1;
        }, "the TaskManager's slot");
    }

    /** {@code flink ARGS} against this cluster, in its own JVM; returns its output, failing unless it exits 0. */
    String flink(String... args) throws Exception {
        List<String> command = javaCommand(List.of(), "org.apache.flink.client.cli.CliFrontend");
        command.addAll(Arrays.asList(args));
        Path log = Files.createTempFile(dir, "flink-" + args[0] + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("FLINK_CONF_DIR", confDir.toString());
        Process p = builder.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("flink " + args[0] + " did not end in 3 minutes: " + Files.readString(log));
        }
        String out = Files.readString(log);
        if (p.exitValue() != 0) {
            throw new AssertionError("flink " + String.join(" ", args) + " exited " + p.exitValue() + ":\n" + out);
        }
        return out;
    }

    /** GET of the REST API, as JSON; null while the JobManager does not answer yet. */
    JsonNode get(String path) throws IOException, InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(rest + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (ConnectException notYet) {
            return null;
        }
    }

    /** Polls until the job is RUNNING with every task running (its sources read from then on). */
    void awaitRunning(String jobId) throws Exception {
        await(() -> {
            JsonNode job = get("/jobs/" + jobId);
            if (job == null) {
                return false;
            }
            String state = job.get("state").asText();
            if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
                throw new AssertionError("job " + jobId + " is " + state + ": " + get("/jobs/" + jobId + "/exceptions") + "\n" + logs());
            }
            return state.equals("RUNNING") && stream(job.get("vertices")).allMatch(v -> v.get("status").asText().equals("RUNNING"));
        }, "job " + jobId + " running");
    }

    /** The JobManager's and TaskManager's logs. */
    String logs() throws IOException {
        return log("jobmanager") + "\n" + log("taskmanager");
    }

    String log(String name) throws IOException {
        return "---- " + name + " log ----\n" + Files.readString(dir.resolve(name + ".log"));
    }

    static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> nodes = new ArrayList<>();
        array.forEach(nodes::add);
        return nodes.stream();
    }

    private void launch(String name, List<String> memoryFlags, String mainClass, String dynamicConfigs) throws IOException {
        List<String> jvm = new ArrayList<>();
        memoryFlags.forEach(f -> jvm.addAll(words(f)));
        jvm.add("-Dlog.file=" + dir.resolve(name + ".log"));
        List<String> command = javaCommand(jvm, mainClass);
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(words(dynamicConfigs));
        processes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start());
    }

    /** java, the configured {@code env.java.opts.all} (as the scripts put them first), {@code jvm}, the classpath, the main class. */
    private List<String> javaCommand(List<String> jvm, String mainClass) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(words(conf.get(CoreOptions.FLINK_DEFAULT_JVM_OPTIONS)));
        command.addAll(words(conf.get(CoreOptions.FLINK_JVM_OPTIONS)));
        command.addAll(jvm);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        return command;
    }

    private static List<String> words(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!check.holds()) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new AssertionError("a Flink process exited (" + p.exitValue() + ") while waiting for " + what + "\n" + logs());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\n" + logs());
            }
            Thread.sleep(250);
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
