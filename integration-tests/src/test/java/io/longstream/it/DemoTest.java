package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.jobs.cli.LongstreamCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code longstream demo}, in-process through the CLI's main class: broker, MiniCluster, job, a played stream. */
class DemoTest {
    @Test
    @Timeout(300)
    void theDemoPlaysTheSampleConversationsAndScoresTheAnswers() {
        Run run = demo("--timeout", "240", "--threads", "1");
        assertEquals(0, run.exit, run.out);
        List<String> lines = run.out.lines().collect(Collectors.toList());
        assertTrue(lines.get(0).startsWith("kafka: "), run.out);
        assertTrue(lines.get(1).startsWith("flink web UI: http://127.0.0.1:"), run.out);
        assertTrue(lines.get(1).contains("(model longstream-demo, "), "the trained demo model by default\n" + run.out);
        List<String> answers = lines.stream().filter(l -> l.startsWith("answer ")).collect(Collectors.toList());
        assertEquals(11, answers.size(), run.out);
        // each answer right under its question, with the expected answer beside it, e.g.
        // query   conv-6-2/q3: "Quick question, what is the kind of animal I keep?"
        // answer  conv-6-2/q3: "ferret"  expected "ferret": right  [stop, 1 tokens, ...]
        Pattern scored = Pattern.compile("answer  (conv-6-\\d/q\\d+): \"[^\"]*\"  expected \"[^\"]+\": (right|wrong)  \\[.*");
        int right = 0;
        for (String answer : answers) {
            Matcher m = scored.matcher(answer);
            assertTrue(m.matches(), answer);
            String question = lines.get(lines.indexOf(answer) - 1);
            assertTrue(question.startsWith("query   " + m.group(1) + ": \""), question + "\n" + answer);
            right += m.group(2).equals("right") ? 1 : 0;
        }
        assertTrue(lines.contains("query   conv-6-2/q3: \"Quick question, what is the kind of animal I keep?\""), run.out);
        // a random-weight model never says the expected words; the trained one gets some (DemoModelAccuracyTest: how many)
        assertTrue(right >= 1, run.out);
        String summary = lines.get(lines.size() - 1);
        // 68 events in the sample, plus each of the 11 answers sent back as an assistant turn; every query finds
        // tokens pending and flushes them first, so one memory update per query
        assertTrue(summary.startsWith("summary: sessions=3 events=79 answers=11 correct=" + right + "/11 rejected=0 memory_updates=11 "),
                summary);
        assertEquals(11, lines.stream().filter(l -> l.startsWith("memory ")).count(), run.out);
        assertPlainProgress(run.err);
        assertTrue(run.err.contains("progress: events 79/79 sent, tokens 2,212/2,212 taken in\n"), run.err);
    }

    /**
     * A document of thousands of tokens in chunks of 32: a memory update per chunk, but one memory line, written when
     * the query's flush takes the document in; meanwhile stderr, not a terminal here, gets plain progress lines.
     */
    @Test
    @Timeout(300)
    void aLongDocumentShowsProgressAndOneMemoryLine(@TempDir Path dir) throws Exception {
        Path stream = dir.resolve("book.jsonl");
        String text = "The ferry Aurora left pier four at dawn while fog held the cargo ship Meridian until noon. ".repeat(60);
        Files.writeString(stream, "{\"session\":\"book\",\"type\":\"document\",\"doc\":\"book\",\"text\":\"" + text + "\"}\n"
                + "{\"session\":\"book\",\"type\":\"query\",\"query\":\"q\",\"text\":\"Who left first?\",\"max_new_tokens\":4}\n");

        Run run = demo("--file", stream.toString(), "--chunk", "32", "--checkpoint-interval", "1", "--timeout", "240",
                "--threads", "1");

        assertEquals(0, run.exit, run.out + run.err);
        List<String> memory = run.out.lines().filter(l -> l.startsWith("memory ")).collect(Collectors.toList());
        assertEquals(1, memory.size(), run.out);
        // the event id is the default one: the stream's fingerprint and the line number
        assertTrue(memory.get(0).matches("memory  book after [0-9a-f]{12}-1: ok, .*"), memory.get(0));
        assertFalse(memory.get(0).contains("not yet in the cache"), memory.get(0));
        // a stream without expected answers: nothing to score, no correct= in the summary
        Matcher summary = Pattern.compile("summary: sessions=1 events=3 answers=1 rejected=0 memory_updates=(\\d+) tokens_ingested=(\\d+) ")
                .matcher(run.out);
        assertTrue(summary.find(), run.out);
        long tokens = Long.parseLong(summary.group(2));
        assertTrue(tokens > 2_000, "a long document: " + tokens + " tokens");
        // one update per chunk of 32, and the query's flush of the rest
        assertEquals((tokens + 31) / 32, Long.parseLong(summary.group(1)), run.out);
        assertPlainProgress(run.err);
        assertTrue(run.err.contains(String.format("progress: events 3/3 sent, tokens %,d/%,d taken in\n", tokens, tokens)), run.err);
    }

    /** Progress written for a log: whole lines, no carriage returns or escape codes. */
    private static void assertPlainProgress(String err) {
        assertFalse(err.contains("\r") || err.contains("\u001b"), err);
        assertTrue(err.lines().anyMatch(l -> l.startsWith("progress: events ")), err);
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run demo(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        int exit;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            String[] command = new String[args.length + 1];
            command[0] = "demo";
            System.arraycopy(args, 0, command, 1, args.length);
            exit = LongstreamCli.commandLine().execute(command);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        Run run = new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        stdout.print(run.out);
        stderr.print(run.err);
        return run;
    }
}
