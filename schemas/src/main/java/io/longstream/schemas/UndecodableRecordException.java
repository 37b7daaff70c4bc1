package io.longstream.schemas;

/**
 * Bytes that cannot be read as the expected record. The message is the reason, written for a
 * rejects topic, e.g. {@code unknown schema fingerprint 0x...}.
 */
public final class UndecodableRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    public UndecodableRecordException(String reason) {
        super(reason);
    }

    public UndecodableRecordException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
