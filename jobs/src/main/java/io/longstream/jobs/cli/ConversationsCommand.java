package io.longstream.jobs.cli;

import io.longstream.conversations.ConversationGenerator;
import io.longstream.conversations.ConversationJson;
import io.longstream.conversations.ConversationSpec;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes seeded long conversations, with each question's expected answer, as a JSON-lines stream. */
@Command(name = "conversations", mixinStandardHelpOptions = true,
        description = {"Write seeded long conversations (facts, updates, documents, talk, questions) as JSON lines that "
                + "produce and demo --file play; each query line carries its expected answer, question type and fact depth."})
final class ConversationsCommand implements Callable<Integer> {
    @Option(names = "--seed", required = true, paramLabel = "S", description = "the same seed writes the same bytes")
    long seed;

    @Option(names = "--sessions", required = true, paramLabel = "N", description = "how many sessions")
    int sessions;

    @Option(names = "--min-words", paramLabel = "W", description = "shortest session, in words (default: ${DEFAULT-VALUE})")
    int minWords = ConversationSpec.DEFAULT_MIN_WORDS;

    @Option(names = "--max-words", paramLabel = "W", description = "longest session, in words (default: ${DEFAULT-VALUE})")
    int maxWords = ConversationSpec.DEFAULT_MAX_WORDS;

    @Option(names = "--out", required = true, paramLabel = "F.jsonl", description = "the file to write")
    Path out;

    /** This command alone, for a machine that has its few jars but not the CLI's others (Flink, Kafka). */
    public static void main(String[] args) {
        System.exit(LongstreamCli.withErrorHandling(new CommandLine(new ConversationsCommand())).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        ConversationGenerator generator = new ConversationGenerator(new ConversationSpec(seed, sessions, minWords, maxWords));
        long events;
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            events = ConversationJson.write(generator, w);
        }
        System.out.println("wrote " + sessions + " sessions, " + events + " events, to " + out);
        return 0;
    }
}
