/*
 * Sign PDFs with iText 5 as its documented signing API does (the "Digital Signatures for
 * PDF documents" white paper's sign method): PdfReader, PdfStamper.createSignature,
 * PdfSignatureAppearance (reason, location, a visible or invisible field, optionally a
 * certification level), then MakeSignature.signDetached with a PrivateKeySignature and a
 * BouncyCastleDigest, CryptoStandard.CMS (/adbe.pkcs7.detached) or CADES
 * (/ETSI.CAdES.detached).  No timestamp, CRL or OCSP.
 *
 * Usage: java ITextSign [OPTIONS] IN.pdf OUT.pdf [[OPTIONS] IN.pdf OUT.pdf ...]
 * Options apply to the pairs after them until changed; one JVM signs many files.
 *   --key FILE.p12 PASSWORD  the signer: one private key with its certificate chain
 *                            (signer first), RSA or EC; SHA-256 either way
 *   --cms | --cades          MakeSignature.CryptoStandard (CMS is the default)
 *   --append | --rewrite     createSignature(reader, out, '\0', null, true): an incremental
 *                            update (the default); or createSignature(reader, out, '\0'):
 *                            iText writes the whole document anew, the signature in it
 *   --certify P              setCertificationLevel(P): 1 CERTIFIED_NO_CHANGES_ALLOWED,
 *                            2 CERTIFIED_FORM_FILLING, 3 ..._AND_ANNOTATIONS; 0 approval
 *   --visible | --invisible  a field with a rectangle on page 1 (iText draws its default
 *                            description layer) or no setVisibleSignature at all (iText
 *                            names the field Signature1, 2, ...; the default)
 *   --field NAME             the visible field's name (default ITextSig)
 *
 * A test tool: never use it with a real key.
 */

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.Certificate;
import java.util.Enumeration;

import com.itextpdf.text.Rectangle;
import com.itextpdf.text.pdf.PdfReader;
import com.itextpdf.text.pdf.PdfSignatureAppearance;
import com.itextpdf.text.pdf.PdfStamper;
import com.itextpdf.text.pdf.security.BouncyCastleDigest;
import com.itextpdf.text.pdf.security.ExternalDigest;
import com.itextpdf.text.pdf.security.ExternalSignature;
import com.itextpdf.text.pdf.security.MakeSignature;
import com.itextpdf.text.pdf.security.MakeSignature.CryptoStandard;
import com.itextpdf.text.pdf.security.PrivateKeySignature;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

public class ITextSign {
    private PrivateKey key;
    private Certificate[] chain;
    private CryptoStandard standard = CryptoStandard.CMS;
    private boolean append = true;
    private boolean visible = false;
    private int certify = PdfSignatureAppearance.NOT_CERTIFIED;
    private String field = "ITextSig";

    private void loadKey(String path, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream is = new FileInputStream(path)) {
            store.load(is, password.toCharArray());
        }
        for (Enumeration<String> aliases = store.aliases(); aliases.hasMoreElements(); ) {
            String alias = aliases.nextElement();
            if (store.isKeyEntry(alias)) {
                key = (PrivateKey) store.getKey(alias, password.toCharArray());
                chain = store.getCertificateChain(alias);
                if (chain != null && chain.length > 0) {
                    return;
                }
            }
        }
        throw new IllegalArgumentException("no key entry with a certificate chain in " + path);
    }

    private void signFile(String src, String dest) throws Exception {
        PdfReader reader = new PdfReader(src);
        try (OutputStream os = new FileOutputStream(dest)) {
            PdfStamper stamper = append
                    ? PdfStamper.createSignature(reader, os, '\0', null, true)
                    : PdfStamper.createSignature(reader, os, '\0');
            PdfSignatureAppearance appearance = stamper.getSignatureAppearance();
            appearance.setReason("Testing iText interoperability");
            appearance.setLocation("Test");
            if (visible) {
                appearance.setVisibleSignature(new Rectangle(360, 60, 560, 140), 1, field);
            }
            if (certify != PdfSignatureAppearance.NOT_CERTIFIED) {
                appearance.setCertificationLevel(certify);
            }
            ExternalDigest digest = new BouncyCastleDigest();
            ExternalSignature signature = new PrivateKeySignature(key, "SHA-256", BouncyCastleProvider.PROVIDER_NAME);
            // signDetached closes the stamper (and writes the file)
            MakeSignature.signDetached(appearance, digest, signature, chain, null, null, null, 0, standard);
        } finally {
            reader.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        ITextSign signer = new ITextSign();
        int signed = 0;
        for (int i = 0; i < args.length; ) {
            switch (args[i]) {
                case "--key":
                    signer.loadKey(args[i + 1], args[i + 2]);
                    i += 3;
                    break;
                case "--cms":
                    signer.standard = CryptoStandard.CMS;
                    i += 1;
                    break;
                case "--cades":
                    signer.standard = CryptoStandard.CADES;
                    i += 1;
                    break;
                case "--append":
                    signer.append = true;
                    i += 1;
                    break;
                case "--rewrite":
                    signer.append = false;
                    i += 1;
                    break;
                case "--certify":
                    signer.certify = Integer.parseInt(args[i + 1]);
                    i += 2;
                    break;
                case "--visible":
                    signer.visible = true;
                    i += 1;
                    break;
                case "--invisible":
                    signer.visible = false;
                    i += 1;
                    break;
                case "--field":
                    signer.field = args[i + 1];
                    i += 2;
                    break;
                default:
                    if (args[i].startsWith("--") || i + 1 >= args.length) {
                        System.err.println("usage: ITextSign [--key KEY.p12 PASSWORD] [--cms|--cades] "
                                + "[--append|--rewrite] [--certify P] [--visible|--invisible] [--field NAME] "
                                + "IN.pdf OUT.pdf [[options] IN.pdf OUT.pdf ...]");
                        System.exit(2);
                    }
                    if (signer.key == null) {
                        throw new IllegalArgumentException("--key must come before the first file");
                    }
                    signer.signFile(args[i], args[i + 1]);
                    signed++;
                    i += 2;
            }
        }
        if (signed == 0) {
            System.err.println("nothing to sign");
            System.exit(2);
        }
    }
}
