package io.longstream.jobs.local;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.conversations.ConversationGenerator;
import io.longstream.conversations.ConversationSpec;
import io.longstream.conversations.QuestionType;
import io.longstream.inference.Model;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.jobs.local.SessionMemoryAnswers.Answered;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.util.FileUtils;
import org.junit.jupiter.api.Test;

/**
 * A regression test on the real weights of the demo model, taken from the jar as the demo takes it: its full-cache
 * accuracy on held-out generated conversations, answered through the session memories (the operator's code path),
 * stays above a floor. Exact match after normalisation, as the training's evaluation and the demo score answers.
 */
class DemoModelAccuracyTest {
    /**
     * Seed 4: the model trained on seeds 1 and 3 and was evaluated on 2. Ten short sessions (about 0.5K–1.2K tokens,
     * 33 questions), so that the test stays within a minute on 2 cores. {@code -Dlongstream.heldout=SEED,SESSIONS,
     * MIN_WORDS,MAX_WORDS} runs another set, to measure.
     */
    private static final ConversationSpec HELD_OUT = spec(System.getProperty("longstream.heldout", "4,10,200,500"));
    /**
     * Measured 0.455 (15 of 33); a model that says "I don't know" to everything gets 0.27 (the 9 questions about
     * what was never stated). Answers are bit-reproducible, so the margin is for a kernel change that flips a few.
     */
    private static final double OVERALL_FLOOR = 0.30;
    /** The 24 questions whose answer is a value, which a model that never remembers gets none of: measured 0.25. */
    private static final double VALUE_FLOOR = 0.10;

    @Test
    void theDemoModelAnswersHeldOutConversationsFromItsFullCache() throws Exception {
        OperatingSystemMXBean cpu = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long start = System.nanoTime();
        long cpuStart = cpu.getProcessCpuTime();
        Path dir = DemoModel.extract();
        List<Answered> answered;
        try (Model model = Model.load(dir, Runtime.getRuntime().availableProcessors())) {
            SessionMemories memories = new SessionMemories(model, PolicySpec.parse("full"), 512, CacheDtype.BF16);
            answered = new SessionMemoryAnswers(model, memories).answerAll(new ConversationGenerator(HELD_OUT));
        } finally {
            FileUtils.deleteDirectory(dir.getParent().toFile());
        }
        System.out.printf(Locale.ROOT, "full-cache exact match of %s on %s (%d questions, %.1f s, %.1f s of CPU)%n", DemoModel.NAME,
                HELD_OUT, answered.size(), (System.nanoTime() - start) / 1e9, (cpu.getProcessCpuTime() - cpuStart) / 1e9);
        System.out.println(table("question type", answered, a -> a.expected().questionType().jsonName()));
        System.out.println(table("fact depth", answered, a -> depthBand(a.expected().depth())));
        List<Answered> values = answered.stream().filter(a -> a.expected().questionType() != QuestionType.NOT_STATED)
                .collect(Collectors.toList());
        assertTrue(accuracy(answered) >= OVERALL_FLOOR, "overall " + accuracy(answered) + " of " + answered.size());
        assertTrue(accuracy(values) >= VALUE_FLOOR, "value answers " + accuracy(values) + " of " + values.size());
    }

    private static ConversationSpec spec(String text) {
        String[] p = text.split(",");
        return new ConversationSpec(Long.parseLong(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]));
    }

    private static double accuracy(List<Answered> answered) {
        return answered.stream().filter(Answered::right).count() / (double) answered.size();
    }

    /** The training evaluation's bands: a quarter of the text before the query each; none for "not stated". */
    private static String depthBand(double depth) {
        if (Double.isNaN(depth)) {
            return "none";
        }
        int band = Math.min(3, (int) (depth * 4));
        return (band * 25) + "-" + (band * 25 + 25) + "%";
    }

    /** A Markdown table: one row per group, then all. */
    private static String table(String title, List<Answered> answered, Function<Answered, String> group) {
        Map<String, List<Answered>> groups = new LinkedHashMap<>(
                answered.stream().collect(Collectors.groupingBy(group, TreeMap::new, Collectors.toList())));
        StringBuilder t = new StringBuilder("| " + title + " | questions | exact match |\n|---|---|---|\n");
        groups.put("all", answered);
        groups.forEach((name, members) -> t.append(String.format(Locale.ROOT, "| %s | %d | %.3f |%n", name, members.size(),
                accuracy(members))));
        return t.toString();
    }
}
