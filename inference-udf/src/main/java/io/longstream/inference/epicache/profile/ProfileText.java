package io.longstream.inference.epicache.profile;

import io.longstream.inference.Model;
import io.longstream.inference.text.TokenStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The text every layer profile is measured on, in place of the reference's BookSum chapter: Lewis Carroll's
 * <i>Alice's Adventures in Wonderland</i> (1865, public domain; the plain-text edition of NLTK's Gutenberg
 * selection, 144 KB), long enough for the reference's 16K tokens with any common tokenizer.
 */
public final class ProfileText {
    private static final String RESOURCE = "carroll-alice.txt";

    private final byte[] utf8;

    private ProfileText(byte[] utf8) {
        this.utf8 = utf8;
    }

    public static ProfileText shipped() {
        try (InputStream in = ProfileText.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the inference jar");
            }
            return new ProfileText(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    public String sha256() {
        return HexFormat.of().formatHex(ModelHash.newSha256().digest(utf8));
    }

    /** The text as a session's token stream starts: BOS when the model has one, then the text as one document. */
    public int[] tokens(Model model) {
        TokenStream stream = new TokenStream(model.tokenizer(), Optional.empty(), model.config().bosTokenId);
        int[] start = stream.start();
        int[] body = stream.document(new String(utf8, StandardCharsets.UTF_8));
        int[] tokens = new int[start.length + body.length];
        System.arraycopy(start, 0, tokens, 0, start.length);
        System.arraycopy(body, 0, tokens, start.length, body.length);
        return tokens;
    }
}
