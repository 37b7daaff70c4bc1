package io.longstream.jobs.io;

import org.apache.avro.specific.SpecificRecord;

/** One record read from an output topic: where it was and what it says. */
public final class OutputRecord {
    public final String topic;
    public final int partition;
    public final long offset;
    public final SpecificRecord value;

    OutputRecord(String topic, int partition, long offset, SpecificRecord value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.value = value;
    }
}
