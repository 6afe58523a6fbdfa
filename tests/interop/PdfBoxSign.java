/*
 * Sign PDFs with Apache PDFBox as its documented signing examples do (CreateSignature):
 * PDDocument.load, a PDSignature with /Filter /Adobe.PPKLite and /SubFilter
 * /adbe.pkcs7.detached, addSignature with a SignatureInterface that builds a detached CMS
 * SignedData with BouncyCastle's CMSSignedDataGenerator, then an incremental save.
 *
 * One source for PDFBox 1.8 and 2.0: compile it against either's jars.  The two differ
 * only in the incremental save, which is called by reflection:
 *   1.8: saveIncremental(InputStream, OutputStream): the output file is first given a
 *        copy of the original through the very stream the update then goes to (1.8
 *        writes only the update, then seeks back in that file to put the signature in),
 *        and the input stream is opened on the output file, from which 1.8 reads the
 *        byte ranges to sign once the update is written (as the 1.8 example does);
 *   2.0: saveIncremental(OutputStream), which writes the original and the update.
 *
 * Usage: java PdfBoxSign [OPTIONS] IN.pdf OUT.pdf [[OPTIONS] IN.pdf OUT.pdf ...]
 * Options apply to the pairs after them until changed; one JVM signs many files.
 *   --key FILE.p12 PASSWORD  the signer: one private key with its certificate chain
 *                            (signer first), RSA (SHA256withRSA) or EC (SHA256withECDSA)
 *   --certify P              certification signature with DocMDP permission P, as the
 *                            2.0 examples' SigUtils.setMDPPermission does (a /Reference
 *                            with /DocMDP, and the catalog's /Perms); 0 for approval
 *   --ber                    the CMS as the examples encode it, signedData.getEncoded():
 *                            BouncyCastle's BER, with indefinite lengths (the default)
 *   --der                    the CMS encoded as DER instead, getEncoded("DER")
 *
 * A test tool: never use it with a real key.
 */

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Enumeration;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureInterface;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

public class PdfBoxSign implements SignatureInterface {
    private PrivateKey key;
    private Certificate[] chain;
    private boolean der;

    /** The detached CMS over the bytes PDFBox hands over (its byte range), as CreateSignatureBase does. */
    @Override
    public byte[] sign(InputStream content) throws IOException {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            byte[] block = new byte[8192];
            for (int n; (n = content.read(block)) != -1; ) {
                buffer.write(block, 0, n);
            }
            X509Certificate cert = (X509Certificate) chain[0];
            String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
            ContentSigner signer = new JcaContentSignerBuilder(algorithm).build(key);
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                    new JcaDigestCalculatorProviderBuilder().build()).build(signer, cert));
            gen.addCertificates(new JcaCertStore(Arrays.asList(chain)));
            CMSSignedData signed = gen.generate(new CMSProcessableByteArray(buffer.toByteArray()), false);
            return der ? signed.getEncoded("DER") : signed.getEncoded();
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

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

    /** COSDictionary/COSArray.setNeedToBeUpdated (2.0) or setNeedToBeUpdate (1.8). */
    private static void markUpdated(COSBase obj) throws Exception {
        for (String name : new String[] {"setNeedToBeUpdated", "setNeedToBeUpdate"}) {
            try {
                obj.getClass().getMethod(name, boolean.class).invoke(obj, true);
                return;
            } catch (NoSuchMethodException e) {
                // the other version's spelling
            }
        }
        throw new NoSuchMethodException("setNeedToBeUpdated");
    }

    /** What the 2.0 examples' SigUtils.setMDPPermission does.  getCOSObject() is declared
     *  COSBase in 1.8 and COSDictionary in 2.0: the casts compile against both. */
    private static void certify(PDDocument doc, PDSignature signature, int permission) throws Exception {
        COSDictionary sigDict = (COSDictionary) (Object) signature.getCOSObject();
        COSDictionary params = new COSDictionary();
        params.setItem(COSName.TYPE, COSName.getPDFName("TransformParams"));
        params.setInt(COSName.getPDFName("P"), permission);
        params.setName(COSName.getPDFName("V"), "1.2");
        markUpdated(params);
        COSDictionary reference = new COSDictionary();
        reference.setItem(COSName.TYPE, COSName.getPDFName("SigRef"));
        reference.setItem(COSName.getPDFName("TransformMethod"), COSName.getPDFName("DocMDP"));
        reference.setItem(COSName.getPDFName("DigestMethod"), COSName.getPDFName("SHA1"));
        reference.setItem(COSName.getPDFName("TransformParams"), params);
        markUpdated(reference);
        COSArray references = new COSArray();
        references.add(reference);
        sigDict.setItem(COSName.getPDFName("Reference"), references);
        markUpdated(references);
        COSDictionary catalog = (COSDictionary) (Object) doc.getDocumentCatalog().getCOSObject();
        COSDictionary perms = new COSDictionary();
        catalog.setItem(COSName.getPDFName("Perms"), perms);
        perms.setItem(COSName.getPDFName("DocMDP"), signature);
        markUpdated(catalog);
        markUpdated(perms);
    }

    private void signFile(File in, File out, int certifyPermission) throws Exception {
        PDDocument doc = PDDocument.load(in);
        try {
            PDSignature signature = new PDSignature();
            signature.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            signature.setSubFilter(PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED);
            signature.setName("esealkit interop test");
            signature.setLocation("Test");
            signature.setReason("Testing PDFBox interoperability");
            signature.setSignDate(Calendar.getInstance());
            if (certifyPermission > 0) {
                certify(doc, signature, certifyPermission);
            }
            doc.addSignature(signature, this);
            Method modern = null;
            try {
                modern = PDDocument.class.getMethod("saveIncremental", OutputStream.class);
            } catch (NoSuchMethodException e) {
                // PDFBox 1.8
            }
            if (modern != null) {
                try (OutputStream os = new FileOutputStream(out)) {
                    modern.invoke(doc, os);
                }
            } else {
                Method legacy = PDDocument.class.getMethod("saveIncremental", InputStream.class, OutputStream.class);
                try (FileOutputStream os = new FileOutputStream(out)) {
                    os.write(Files.readAllBytes(in.toPath()));
                    os.flush();
                    try (InputStream is = new FileInputStream(out)) {
                        legacy.invoke(doc, is, os);
                    }
                }
            }
        } finally {
            doc.close();
        }
    }

    public static void main(String[] args) throws Exception {
        PdfBoxSign signer = new PdfBoxSign();
        int certify = 0;
        int signed = 0;
        for (int i = 0; i < args.length; ) {
            switch (args[i]) {
                case "--key":
                    signer.loadKey(args[i + 1], args[i + 2]);
                    i += 3;
                    break;
                case "--certify":
                    certify = Integer.parseInt(args[i + 1]);
                    i += 2;
                    break;
                case "--der":
                    signer.der = true;
                    i += 1;
                    break;
                case "--ber":
                    signer.der = false;
                    i += 1;
                    break;
                default:
                    if (args[i].startsWith("--") || i + 1 >= args.length) {
                        System.err.println("usage: PdfBoxSign [--key KEY.p12 PASSWORD] [--certify P] [--der|--ber] "
                                + "IN.pdf OUT.pdf [[options] IN.pdf OUT.pdf ...]");
                        System.exit(2);
                    }
                    if (signer.key == null) {
                        throw new IllegalArgumentException("--key must come before the first file");
                    }
                    signer.signFile(new File(args[i]), new File(args[i + 1]), certify);
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
