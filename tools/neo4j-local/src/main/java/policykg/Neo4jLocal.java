package policykg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * policykg's local graph server: Neo4j Community embedded, Bolt on 127.0.0.1 only, auth on.
 *
 * <pre>
 * java -cp CLASSPATH policykg.Neo4jLocal --home DIR --port PORT --password-file FILE
 * </pre>
 *
 * Data and logs live under {@code DIR} ({@code DIR/data}, {@code DIR/logs}). The password of the
 * {@code neo4j} user is read from {@code FILE} (written by {@code policykg db start}, mode 0600)
 * and set at every start, so that the file is the one source of it. Prints one line
 * {@code READY bolt://127.0.0.1:PORT} once the databases are up; SIGTERM shuts down cleanly.
 */
public final class Neo4jLocal {
    private Neo4jLocal() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> options = parse(args);
        Path home = Path.of(require(options, "--home")).toAbsolutePath();
        int port = Integer.parseInt(require(options, "--port"));
        String password = Files.readString(Path.of(require(options, "--password-file")),
                StandardCharsets.UTF_8).strip();
        if (password.length() < 8) {
            throw new IllegalArgumentException("the password file holds fewer than 8 characters");
        }
        Files.createDirectories(home);
        System.out.println("policykg-neo4j starting (Neo4j " + neo4jVersion() + ") in " + home);
        System.out.flush();

        Map<String, String> config = new LinkedHashMap<>();
        config.put("server.bolt.listen_address", "127.0.0.1:" + port);
        config.put("server.bolt.advertised_address", "127.0.0.1:" + port);
        config.put("server.bolt.tls_level", "DISABLED");
        config.put("dbms.security.auth_enabled", "true");
        config.put("server.memory.pagecache.size", options.getOrDefault("--pagecache", "64m"));
        config.put("dbms.memory.transaction.total.max", options.getOrDefault("--tx-memory", "256m"));
        config.put("db.tx_log.rotation.retention_policy", "2 files");
        config.put("dbms.usage_report.enabled", "false");
        config.put("server.directories.logs", home.resolve("logs").toString());
        config.put("server.directories.import", home.resolve("import").toString());
        // LOAD CSV: a quote is escaped by doubling it (RFC 4180), never by a backslash
        config.put("dbms.import.csv.legacy_quote_escaping", "false");
        Path conf = home.resolve("neo4j-local.conf");

        // The password is set through an embedded transaction (no auth there). When it is new
        // (first start, or a new password file) that happens with Bolt closed, so that no client
        // can log in with the default password meanwhile.
        Path marker = home.resolve("password.sha256");
        String digest = sha256(password);
        boolean known = Files.exists(marker)
                && Files.readString(marker, StandardCharsets.UTF_8).strip().equals(digest);
        if (!known) {
            writeConfig(conf, config, false);
            DatabaseManagementService closed = new DatabaseManagementServiceBuilder(home)
                    .loadPropertiesFromFile(conf).build();
            try {
                setPassword(closed, password);
            } finally {
                closed.shutdown();
            }
            Files.writeString(marker, digest + "\n", StandardCharsets.UTF_8);
        }
        writeConfig(conf, config, true);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .loadPropertiesFromFile(conf)
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "policykg-neo4j-shutdown"));
        dbms.database("neo4j").executeTransactionally("RETURN 1");
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
    }

    private static void writeConfig(Path conf, Map<String, String> config, boolean bolt)
            throws IOException {
        StringBuilder text = new StringBuilder();
        config.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        text.append("server.bolt.enabled=").append(bolt).append('\n');
        Files.writeString(conf, text.toString(), StandardCharsets.UTF_8);
    }

    private static void setPassword(DatabaseManagementService dbms, String password) {
        dbms.database("system").executeTransactionally(
                "ALTER USER neo4j SET PLAINTEXT PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));
    }

    private static String sha256(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String neo4jVersion() {
        Package p = DatabaseManagementService.class.getPackage();
        String version = p == null ? null : p.getImplementationVersion();
        return version == null ? "?" : version;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing " + name);
        }
        return value;
    }
}
