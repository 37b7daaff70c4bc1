package io.longstream.inference.cuda;

/** {@code --backend cuda} cannot run here; the message says why in one line (no kernels built, no driver, no GPU). */
public final class CudaUnavailableException extends RuntimeException {
    public CudaUnavailableException(String message) {
        super(message);
    }

    public CudaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
