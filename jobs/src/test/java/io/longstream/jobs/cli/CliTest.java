package io.longstream.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.inference.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The user-facing commands, run through picocli exactly as the launcher runs them. */
class CliTest {
    private static final String MODEL = Fixtures.model("llama-tiny-f32").toString();

    @Test
    void logitsCommandPrintsOneRowPerPositionMatchingTheReference() throws Exception {
        Fixtures.Reference ref = Fixtures.reference("mistral-tiny-swa-f32");
        String ids = Arrays.stream(ref.inputIds).mapToObj(String::valueOf).collect(Collectors.joining(","));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = new CommandLine(new LogitsCommand(out)).execute("--model", Fixtures.model("mistral-tiny-swa-f32").toString(),
                "--ids", ids, "--chunk", "5", "--cache-dtype", "f32");
        assertEquals(0, exit);
        JsonNode rows = new ObjectMapper().readTree(out.toByteArray()).get("logits");
        assertEquals(ref.inputIds.length, rows.size());
        int vocab = ref.logits[0].length;
        float[] flat = new float[ref.inputIds.length * vocab];
        for (int t = 0; t < rows.size(); t++) {
            assertEquals(vocab, rows.get(t).size());
            for (int j = 0; j < vocab; j++) {
                // printed floats parse back to the same float32
                flat[t * vocab + j] = (float) rows.get(t).get(j).asDouble();
            }
        }
        assertTrue(ref.relativeError(flat) < 1e-4, "printed logits error " + ref.relativeError(flat));
    }

    @Test
    void generateWithTheSameSeedStreamsTheSameText() {
        String[] args = {"--model", MODEL, "--prompt", "Alice's code is", "--max-tokens", "24", "--temperature", "0.9",
            "--top-p", "0.95", "--seed", "11"};
        String first = generate(args);
        assertEquals(first, generate(args));
        args[args.length - 1] = "12";
        assertNotEquals(first, generate(args), "another seed should draw another text");
    }

    @Test
    void greedyGenerateFollowsTheGreedyTokens() {
        assertEquals(generate("--model", MODEL, "--prompt", "Hello, world", "--max-tokens", "12"),
                generate("--model", MODEL, "--prompt", "Hello, world", "--max-tokens", "12", "--chunk", "3"));
    }

    @Test
    void badOptionsFailWithAMessageNamingThem() {
        assertEquals("error: --chunk must be >= 1, got 0",
                runExpectingError(2, "logits", "--model", MODEL, "--ids", "1,2", "--chunk", "0"));
        assertTrue(runExpectingError(2, "logits", "--model", MODEL, "--ids", "1,99999").contains("--ids: token id 99999"));
        assertTrue(runExpectingError(2, "generate", "--model", "/no/such/model", "--prompt", "x").contains("/no/such/model"));
        assertTrue(runExpectingError(2, "generate", "--model", MODEL, "--prompt", "x", "--top-p", "1.5").contains("top-p"));
    }

    @Test
    void everyCommandSummaryInTheHelpIsAWholeSentence() {
        StringWriter help = new StringWriter();
        CommandLine cl = LongstreamCli.commandLine();
        cl.setOut(new PrintWriter(help, true));
        assertEquals(0, cl.execute("--help"));
        for (CommandLine command : allCommands(cl)) {
            // picocli lists a command by the first line of its description
            String summary = command.getCommandSpec().usageMessage().description()[0];
            assertTrue(summary.endsWith(".") && Character.isUpperCase(summary.charAt(0)),
                    command.getCommandName() + "'s summary is cut or not a sentence: " + summary);
        }
        String listed = help.toString().replaceAll("\\s+", " ");
        for (CommandLine command : cl.getSubcommands().values()) {
            String summary = command.getCommandSpec().usageMessage().description()[0];
            assertTrue(listed.contains(command.getCommandName() + " " + summary), "--help lists " + summary + "\n" + help);
        }
    }

    @Test
    void everyCommandsHelpRendersWithoutFormatWarnings() {
        // picocli formats descriptions with String.format: a bare % makes it warn on stderr and print the raw text
        PrintStream stderr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            for (CommandLine command : allCommands(LongstreamCli.commandLine())) {
                command.getUsageMessage();
            }
        } finally {
            System.setErr(stderr);
        }
        assertEquals("", warnings.toString(StandardCharsets.UTF_8));
    }

    /**
     * picocli reflects on every command's fields and methods when the CLI starts, which loads the classes of their
     * signatures: the CLI runs without Flink and the operators where the commands used need neither (the GPU machine's
     * carry), so no command names their types there, only in method bodies.
     */
    @Test
    void noCommandSignatureNeedsFlinkOrTheOperators() {
        List<String> found = new ArrayList<>();
        for (CommandLine command : allCommands(LongstreamCli.commandLine())) {
            Class<?> type = command.getCommand().getClass();
            List<Class<?>> used = new ArrayList<>();
            for (Field f : type.getDeclaredFields()) {
                used.add(f.getType());
            }
            for (Method m : type.getDeclaredMethods()) {
                used.add(m.getReturnType());
                used.addAll(Arrays.asList(m.getParameterTypes()));
            }
            for (Class<?> u : used) {
                if (u.getName().startsWith("io.longstream.operators.") || u.getName().startsWith("org.apache.flink.")) {
                    found.add(type.getSimpleName() + " uses " + u.getName());
                }
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void noCommandIsAUsageErrorWithTheUsageOnStderr() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = LongstreamCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute());
        assertEquals("", out.toString());
        assertTrue(err.toString().startsWith("Usage: longstream "), err.toString());
        assertTrue(err.toString().contains("Commands:"), err.toString());
    }

    private static List<CommandLine> allCommands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        for (CommandLine sub : root.getSubcommands().values()) {
            all.add(sub);
            all.addAll(allCommands(sub));
        }
        return all;
    }

    private static String generate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        int exit = new CommandLine(new GenerateCommand(new PrintStream(out, true, StandardCharsets.UTF_8), err)).execute(args);
        assertEquals(0, exit);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String runExpectingError(int expectedExit, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = LongstreamCli.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(expectedExit, cl.execute(args));
        return err.toString().trim();
    }
}
