package io.longstream.inference.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * One GPU of this JVM: its primary context and our kernels loaded from the fatbin that the build compiled with nvcc.
 * There is one engine per GPU per JVM, shared by every model and operator instance that runs on it (the JCuda native
 * library loads once per JVM, so on a cluster it must come from the parent classloader: see deploy/). Work on an
 * engine is serialised by its monitor; {@link #enter()} makes its context current on the calling thread.
 */
public final class CudaEngine {
    /** Where the build puts the kernels (inference-udf/src/main/cuda, compiled when nvcc is present). */
    static final String FATBIN = "/io/longstream/inference/cuda/kernels.fatbin";
    private static final Map<Integer, CudaEngine> ENGINES = new HashMap<>();
    /** Why a GPU's engine could not start: the first failure's message stays (a failed native load cannot be retried). */
    private static final Map<Integer, String> FAILURES = new HashMap<>();

    private final int gpu;
    private final String name;
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();

    private CudaEngine(int gpu) {
        byte[] fatbin = readFatbin();
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            if (gpu < 0 || gpu >= count[0]) {
                throw new CudaUnavailableException("GPU " + gpu + " does not exist (this machine has "
                        + count[0] + ")");
            }
            CUdevice device = new CUdevice();
            cuDeviceGet(device, gpu);
            byte[] chars = new byte[256];
            cuDeviceGetName(chars, chars.length, device);
            this.name = new String(chars, java.nio.charset.StandardCharsets.US_ASCII).trim().replace("\0", "");
            cuDevicePrimaryCtxRetain(context, device);
            cuCtxSetCurrent(context);
            cuModuleLoadData(module, fatbin);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new CudaUnavailableException("the CUDA driver library cannot be loaded here ("
                    + firstLine(e.getMessage()) + ")", e);
        } catch (CudaException e) {
            throw new CudaUnavailableException("no usable NVIDIA GPU here (" + firstLine(e.getMessage()) + ")", e);
        }
        this.gpu = gpu;
    }

    /** The engine of GPU {@code gpu}, started on first use. */
    public static synchronized CudaEngine on(int gpu) {
        CudaEngine engine = ENGINES.get(gpu);
        if (engine == null) {
            String failed = FAILURES.get(gpu);
            if (failed != null) {
                throw new CudaUnavailableException(failed);
            }
            try {
                engine = new CudaEngine(gpu);
            } catch (CudaUnavailableException e) {
                FAILURES.put(gpu, e.getMessage());
                throw e;
            }
            ENGINES.put(gpu, engine);
        }
        return engine;
    }

    /** Why {@code --backend cuda} cannot run on GPU {@code gpu} here, or null when it can. */
    public static String unavailableReason(int gpu) {
        try {
            on(gpu);
            return null;
        } catch (CudaUnavailableException e) {
            return e.getMessage();
        }
    }

    private static byte[] readFatbin() {
        try (InputStream in = CudaEngine.class.getResourceAsStream(FATBIN)) {
            if (in == null) {
                throw new CudaUnavailableException("this build has no CUDA kernels (nvcc was not found "
                        + "when it was built; see docs/cuda.md)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CudaUnavailableException("cannot read the CUDA kernels: " + e.getMessage(), e);
        }
    }

    private static String firstLine(String message) {
        return message == null ? "no reason given" : message.strip().lines().findFirst().orElse("");
    }

    /** Makes this engine's context current on the calling thread; call under the engine's monitor. */
    void enter() {
        cuCtxSetCurrent(context);
    }

    CUfunction function(String kernel) {
        return functions.computeIfAbsent(kernel, k -> {
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, k);
            return f;
        });
    }

    /** Free device memory in bytes. */
    synchronized long freeBytes() {
        enter();
        long[] free = new long[1];
        long[] total = new long[1];
        cuMemGetInfo(free, total);
        return free[0];
    }

    public int gpu() {
        return gpu;
    }

    public String deviceName() {
        return name;
    }
}
