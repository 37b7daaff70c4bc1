package io.longstream.jobs.cli;

import io.longstream.jobs.io.BrokerTimeout;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Which broker a client command talks to, and how long it waits on it before it says it cannot. */
final class BrokerOptions {
    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers")
    String bootstrap;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "how long to wait to reach the broker and, when producing, for each record to be delivered (default: ${DEFAULT-VALUE})")
    long timeoutSeconds = BrokerTimeout.DEFAULT.toSeconds();

    /** The timeout, checked: a bad one fails before anything is read or sent. */
    Duration timeout() {
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new IllegalArgumentException("--timeout must be between 1 and 3600 seconds, got " + timeoutSeconds);
        }
        return Duration.ofSeconds(timeoutSeconds);
    }
}
