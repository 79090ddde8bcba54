//! Passwords inside connection strings: database URLs (`postgres://user:pw@host`),
//! JDBC URLs (`...;password=pw`), Kafka SASL JAAS configs. Default and
//! placeholder passwords (`postgres`, `changeme`, `${DB_PASSWORD}`, the user
//! name again) are not reported: they are not secrets, and local
//! docker-compose files are full of them.

use crate::finding::Severity;
use crate::gates::secrets::entropy::shannon;
use crate::gates::secrets::placeholder::is_placeholder;
use crate::gates::secrets::rule::{Candidate, Matcher, SecretRule};
use crate::secret_doc;

/// Well-known default passwords of database images and tutorials.
const DEFAULTS: &[&str] = &[
    "password",
    "passw0rd",
    "postgres",
    "postgresql",
    "root",
    "secret",
    "pass",
    "admin",
    "guest",
    "test",
    "tester",
    "testing",
    "user",
    "mysql",
    "mariadb",
    "redis",
    "rabbitmq",
    "mongo",
    "mongodb",
    "changeme",
    "pwd",
    "default",
    "dbpass",
    "dbpassword",
    "app",
    "demo",
    "dev",
    "development",
    "local",
    "localhost",
    "docker",
    "keycloak",
    "sonar",
    "airflow",
    "superset",
    "oracle",
    "sa",
    "123456",
    "12345678",
    "qwerty",
    "letmein",
];

fn user_of(whole: &[u8]) -> Option<&[u8]> {
    let start = memchr::memmem::find(whole, b"://")? + 3;
    let rest = &whole[start..];
    let end = rest.iter().position(|&b| b == b':')?;
    Some(&rest[..end])
}

fn password_ok(c: &Candidate<'_>) -> bool {
    let s = c.secret;
    if s.len() < 6 || is_placeholder(s) {
        return false;
    }
    if matches!(s.first(), Some(b'$' | b'%' | b'{' | b'<' | b'*' | b'#')) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if DEFAULTS.iter().any(|d| d.as_bytes() == lower.as_slice()) {
        return false;
    }
    if user_of(c.whole).is_some_and(|u| u.eq_ignore_ascii_case(s)) {
        return false;
    }
    shannon(s) >= 2.5
}

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "database-url-password",
        name: "password in a database URL",
        doc: secret_doc!(
            "Finds passwords in database and broker URLs (`postgres`, `mysql`, `mariadb`, `mongodb(+srv)`, `redis(s)`, `amqp(s)`, `mssql`, `sqlserver`, `oracle`, `clickhouse`, `cockroachdb`): `scheme://user:PASSWORD@host`. Template variables, placeholders, well-known image defaults and a password equal to the user name are ignored.",
            "A database password in the repository opens the database to everyone who can read it, and database passwords are rarely rotated.",
            "DATABASE_URL=postgres://app:<password>@db.internal:5432/app",
            "DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/app"
        ),
        severity: Severity::Error,
        keywords: &["://"],
        matcher: Matcher::Regex(
            r#"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|clickhouse|cockroachdb)(?:\+[a-z0-9]+)?://[^\s:@/"'<>]{1,64}:([^\s@/"'<>]{3,128})@[^\s/"'<>]+"#,
        ),
        min_entropy: 0.0,
        verify: Some(password_ok),
        generic: false,
        revoke: "Change the database user's password (and check its access logs); read it from the environment or a secret store.",
    },
    SecretRule {
        id: "jdbc-password",
        name: "password in a JDBC or ADO.NET connection string",
        doc: secret_doc!(
            "Finds `password=` / `pwd=` parameters in JDBC URLs (`jdbc:...`) and `Password=` in semicolon-separated connection strings that also name a server or data source.",
            "Same as any database password: it opens the database to every reader of the repository.",
            "url: jdbc:mysql://db:3306/app?user=app&password=<password>",
            "url: jdbc:mysql://db:3306/app   # user and password from the environment"
        ),
        severity: Severity::Error,
        keywords: &["jdbc:", "password=", "pwd="],
        matcher: Matcher::Regex(
            r#"(?:jdbc:[a-z0-9:]+:[^\s"'<>]*?|(?i:server|data source|host)=[^\r\n"'<>]{0,300}?)[?&;](?i:password|pwd)=([^\s&;"'<>]{3,128})"#,
        ),
        min_entropy: 0.0,
        verify: Some(password_ok),
        generic: false,
        revoke: "Change the database user's password; keep connection credentials out of the repository.",
    },
    SecretRule {
        id: "kafka-sasl-password",
        name: "Kafka SASL password",
        doc: secret_doc!(
            "Finds the password in Kafka SASL JAAS configurations (`PlainLoginModule` / `ScramLoginModule ... password=\"...\"`), which is how Confluent Cloud API secrets usually appear in client configs.",
            "The password authenticates a client to the cluster: it reads and writes every topic its ACLs allow.",
            "sasl.jaas.config=...PlainLoginModule required username=\"KEY\" password=\"<secret>\";",
            "sasl.jaas.config=...PlainLoginModule required username=\"${KAFKA_KEY}\" password=\"${KAFKA_SECRET}\";"
        ),
        severity: Severity::Error,
        keywords: &["loginmodule"],
        matcher: Matcher::Regex(
            r#"(?:Plain|Scram)LoginModule\s+required\b[^;]{0,300}?\bpassword\s*=\s*\\?["']([^"'\\\s]{3,200})\\?["']"#,
        ),
        min_entropy: 0.0,
        verify: Some(password_ok),
        generic: false,
        revoke: "Delete the API key / SCRAM credential on the cluster and create a new one.",
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{ALNUM, Rng};

    #[test]
    fn database_urls() {
        let mut rng = Rng::new(20);
        let pw = rng.string(ALNUM, 16);
        assert_finds(
            "database-url-password",
            &format!("url=postgres://app:{pw}@db:5432/app"),
            &pw,
        );
        assert_finds(
            "database-url-password",
            &format!("MONGO=mongodb+srv://svc:{pw}@c0.host.net/db"),
            &pw,
        );
        for near in [
            "postgres://postgres:postgres@localhost:5432/app",
            "postgres://app:${DB_PASSWORD}@db/app",
            "mysql://root:root@127.0.0.1/x",
            "redis://user:changeme@cache:6379",
            "postgres://app:app@db/app",
            "postgres://app:%(password)s@db/app",
            "https://user:abc123XYZ9@host/x",
        ] {
            assert_ignores("database-url-password", near);
        }
    }

    #[test]
    fn jdbc_and_kafka() {
        let mut rng = Rng::new(21);
        let pw = rng.string(ALNUM, 14);
        assert_finds(
            "jdbc-password",
            &format!("jdbc:mysql://db:3306/app?user=app&password={pw}"),
            &pw,
        );
        assert_finds(
            "jdbc-password",
            &format!("Server=tcp:db.example.net,1433;Database=app;User ID=app;Password={pw};"),
            &pw,
        );
        assert_ignores(
            "jdbc-password",
            "jdbc:postgresql://db/app?user=app&password=${DB_PASS}",
        );
        assert_ignores("jdbc-password", "?password=hunter&x=1");
        let secret = rng.string(ALNUM, 24);
        assert_finds(
            "kafka-sasl-password",
            &format!(
                "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"k\" password=\"{secret}\";"
            ),
            &secret,
        );
        assert_ignores(
            "kafka-sasl-password",
            "PlainLoginModule required username=\"k\" password=\"${KAFKA_PASSWORD}\";",
        );
    }
}
