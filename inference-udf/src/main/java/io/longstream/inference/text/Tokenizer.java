package io.longstream.inference.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.longstream.inference.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model's {@code tokenizer.json} through DJL's Hugging Face tokenizers. Encoding adds no BOS/EOS
 * (the caller builds the token stream) and never truncates; special tokens written in the text are
 * still recognised.
 */
public final class Tokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer hf;

    private Tokenizer(HuggingFaceTokenizer hf) {
        this.hf = hf;
    }

    public static Tokenizer load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException("no tokenizer.json in " + modelDir);
        }
        try {
            // newInstance() would silently truncate every encoding to 512 tokens
            return new Tokenizer(HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build());
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    public int[] encode(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        Encoding enc = hf.encode(text, false, false);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** The text of {@code ids}, special tokens left out. */
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return hf.decode(wide, true);
    }

    @Override
    public void close() {
        hf.close();
    }
}
