package io.longstream.jobs.io;

import java.time.Duration;
import org.apache.kafka.common.KafkaException;

/** How long our Kafka clients wait on the broker (to reach it, to deliver a record) before they say so. */
public final class BrokerTimeout {
    /** Long enough for a broker that is busy or electing a leader; short enough that a wrong address is noticed. */
    public static final Duration DEFAULT = Duration.ofSeconds(30);

    private BrokerTimeout() {
    }

    static KafkaException unreachable(String bootstrap, Duration timeout, Throwable cause) {
        return new KafkaException("cannot reach Kafka at " + bootstrap + " within " + timeout.toSeconds() + " s ("
                + cause.getMessage() + ")", cause);
    }
}
