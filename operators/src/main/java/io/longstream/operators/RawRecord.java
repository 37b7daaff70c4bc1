package io.longstream.operators;

/**
 * One record as the source read it: its coordinates and its bytes, not yet decoded, so that a
 * record that cannot be decoded can still be sent to the rejects topic with where it came from.
 * A POJO, so Flink serialises it without Kryo.
 */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;
    /** The record's key; null when it had none. */
    public byte[] key;
    /** The record's value; null for a tombstone. */
    public byte[] value;

    public RawRecord() {
    }

    public RawRecord(String topic, int partition, long offset, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.value = value;
    }
}
