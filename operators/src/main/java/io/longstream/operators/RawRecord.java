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
    /**
     * The record's Kafka timestamp (ms; its producer's or the broker's, as the topic says): when it arrived, by which the
     * session operator serves sessions first come first served. 0 for records read before it was kept.
     */
    public long timestamp;
    /** The record's key; null when it had none. */
    public byte[] key;
    /** The record's value; null for a tombstone. */
    public byte[] value;

    public RawRecord() {
    }

    public RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }
}
