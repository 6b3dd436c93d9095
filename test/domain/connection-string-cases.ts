/**
 * Connection strings as services really hold them, each with the secrets it
 * carries and, where the string can be read with confidence, the host that
 * must stay visible once it is masked.
 */
export interface ConnectionStringCase {
  name: string;
  text: string;
  /** Every secret in the string, as written and, where it differs, as meant. */
  secrets: string[];
  /** Shown after masking; absent when the string is masked whole. */
  host?: string;
}

export const CONNECTION_STRINGS: ConnectionStringCase[] = [
  {
    name: 'a PostgreSQL URL',
    text: 'postgresql://app:Kx7vQ2mpL@db.acme.internal:5432/orders?sslmode=require',
    secrets: ['Kx7vQ2mpL'],
    host: 'db.acme.internal',
  },
  {
    name: 'a PostgreSQL URL with a percent-encoded password',
    text: 'postgres://app:p%40ssW0rd%2F9@db.example.com/orders',
    secrets: ['p%40ssW0rd%2F9', 'p@ssW0rd/9'],
    host: 'db.example.com',
  },
  {
    name: 'a URL whose password holds a raw @',
    text: 'postgres://app:Zu@7mQw@db.example.com:5432/app',
    secrets: ['Zu@7mQw'],
    host: 'db.example.com',
  },
  {
    name: 'a URL whose password holds colons',
    text: 'postgres://app:aB:cD:eF9@db.example.com/app',
    secrets: ['aB:cD:eF9'],
    host: 'db.example.com',
  },
  {
    name: 'a URL whose password holds a raw / and #',
    text: 'postgres://app:Tr/9#kLw@db.example.com/app',
    secrets: ['Tr/9#kLw'],
  },
  {
    name: 'a URL whose password holds a raw ?',
    text: 'postgres://app:Hp?9zQ@db.example.com/app',
    secrets: ['Hp?9zQ'],
  },
  {
    name: 'a URL whose password holds raw quotes and spaces',
    text: `postgres://app:q "W 7'z@db.example.com/app`,
    secrets: [`q "W 7'z`],
    host: 'db.example.com',
  },
  {
    name: 'a URL with a password and no user name',
    text: 'postgres://:Bq5nVz2@db.example.com/app',
    secrets: ['Bq5nVz2'],
    host: 'db.example.com',
  },
  {
    name: 'a PostgreSQL URL with the password in the query and a socket host',
    text: 'postgresql:///orders?host=/var/run/postgresql&user=app&password=Nt4pKw9',
    secrets: ['Nt4pKw9'],
    host: '/var/run/postgresql',
  },
  {
    name: 'a libpq keyword/value string with a quoted password',
    text: "host=pg.example.com port=5432 dbname=orders user=app password='Hq 8;zV\\'rW' sslmode=verify-full",
    secrets: ["Hq 8;zV\\'rW", "Hq 8;zV'rW"],
    host: 'pg.example.com',
  },
  {
    name: 'a libpq string with a bare password holding a semicolon',
    text: 'host=pg.example.com password=Rk9;Tz4m user=app',
    secrets: ['Rk9;Tz4m'],
    host: 'pg.example.com',
  },
  {
    name: 'a libpq string with an sslpassword',
    text: 'host=pg.example.com user=app sslpassword=Mk4trQz sslmode=verify-full',
    secrets: ['Mk4trQz'],
    host: 'pg.example.com',
  },
  {
    name: 'a JDBC PostgreSQL URL with user and password in the query',
    text: 'jdbc:postgresql://pg.example.com:5432/orders?user=app&password=Wy3nPz8&ssl=true',
    secrets: ['Wy3nPz8'],
    host: 'pg.example.com',
  },
  {
    name: 'a MySQL URL',
    text: 'mysql://root:Gv5%23rT2x@mysql.example.com:3306/shop',
    secrets: ['Gv5%23rT2x', 'Gv5#rT2x'],
    host: 'mysql.example.com',
  },
  {
    name: 'a MySQL Connector/NET string',
    text: 'Server=mysql.example.com;Port=3306;Database=shop;Uid=shop_app;Pwd=Nr8&bQ1z;SslMode=Required;',
    secrets: ['Nr8&bQ1z'],
    host: 'mysql.example.com',
  },
  {
    name: 'a SQL Server ADO.NET string with a quoted password',
    text: 'Server=tcp:sql.example.database.windows.net,1433;Initial Catalog=sales;Persist Security Info=False;User ID=sales_app;Password="Jk;9""Lp=2";Encrypt=True;',
    secrets: ['Jk;9""Lp=2', 'Jk;9"Lp=2'],
    host: 'sql.example.database.windows.net',
  },
  {
    name: 'an ODBC string with a braced password',
    text: 'Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql.example.com,1433;Database=sales;Uid=sales_app;Pwd={Fz;9}}Qm x};Encrypt=yes;',
    secrets: ['Fz;9}}Qm x', 'Fz;9}Qm x'],
    host: 'sql.example.com',
  },
  {
    name: 'a JDBC SQL Server URL with a braced password',
    text: 'jdbc:sqlserver://sql.example.com:1433;databaseName=sales;user=sales@sqlsrv;password={Yh;7/Rk@2};encrypt=true',
    secrets: ['Yh;7/Rk@2'],
    host: 'sql.example.com',
  },
  {
    name: 'an Oracle EZConnect string',
    text: 'scott/Tg7@pLq#9@db.example.com:1521/ORCLPDB1',
    secrets: ['Tg7@pLq#9'],
    host: 'db.example.com',
  },
  {
    name: 'an Oracle JDBC thin URL',
    text: 'jdbc:oracle:thin:scott/Vb6rTq/Wz@//db.example.com:1521/ORCLPDB1',
    secrets: ['Vb6rTq/Wz'],
    host: 'db.example.com',
  },
  {
    name: 'an Oracle string with a TNS descriptor',
    text: 'scott/Qp4mZk@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db.example.com)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=orcl)))',
    secrets: ['Qp4mZk'],
    host: 'db.example.com',
  },
  {
    name: 'an ODP.NET string with a TNS descriptor',
    text: 'User Id=scott;Password=Hb2wXq9;Data Source=(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db.example.com)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=orcl)))',
    secrets: ['Hb2wXq9'],
    host: 'db.example.com',
  },
  {
    name: 'a MongoDB SRV URL',
    text: 'mongodb+srv://app:Lm3%3Ar9Qx@cluster0.ab1cd.mongodb.net/shop?retryWrites=true&w=majority&authSource=admin',
    secrets: ['Lm3%3Ar9Qx', 'Lm3:r9Qx'],
    host: 'cluster0.ab1cd.mongodb.net',
  },
  {
    name: 'a MongoDB replica-set URL',
    text: 'mongodb://app:Pw8kTz2@mongo1.example.com:27017,mongo2.example.com:27017/shop?replicaSet=rs0',
    secrets: ['Pw8kTz2'],
    host: 'mongo2.example.com',
  },
  {
    name: 'a Redis URL with a password only',
    text: 'redis://:Rk2vXm9q@cache.example.com:6379/0',
    secrets: ['Rk2vXm9q'],
    host: 'cache.example.com',
  },
  {
    name: 'a rediss URL with a user',
    text: 'rediss://default:Ts9bNq4w@cache.example.com:6380',
    secrets: ['Ts9bNq4w'],
    host: 'cache.example.com',
  },
  {
    name: 'a StackExchange.Redis string',
    text: 'cache.example.com:6380,password=Fq8mWz3r,ssl=True,abortConnect=False',
    secrets: ['Fq8mWz3r'],
    host: 'cache.example.com',
  },
  {
    name: 'an AMQP URL',
    text: 'amqps://shop:Cw5pLx8k@rabbit.example.com:5671/%2Fprod',
    secrets: ['Cw5pLx8k'],
    host: 'rabbit.example.com',
  },
  {
    name: 'Kafka client properties with a SASL JAAS config',
    text: [
      'bootstrap.servers=broker1.example.com:9093,broker2.example.com:9093',
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="orders" password="Dk7r\\"Vq;2m";',
    ].join('\n'),
    secrets: ['Dk7r\\"Vq;2m', 'Dk7r"Vq;2m'],
    host: 'broker1.example.com',
  },
  {
    name: 'librdkafka properties with a SASL password',
    text: 'bootstrap.servers=pkc-123.example.cloud:9092\r\nsecurity.protocol=SASL_SSL\r\nsasl.mechanisms=PLAIN\r\nsasl.username=ORDERS42\r\nsasl.password=Jz4kQm8vR2',
    secrets: ['Jz4kQm8vR2'],
    host: 'pkc-123.example.cloud',
  },
  {
    name: 'a Snowflake URL',
    text: 'snowflake://analyst:Yt6wPq3z@myorg-acct1/analytics/public?warehouse=wh_xs&role=reader',
    secrets: ['Yt6wPq3z'],
    host: 'myorg-acct1',
  },
  {
    name: 'a Snowflake JDBC URL',
    text: 'jdbc:snowflake://myorg-acct1.snowflakecomputing.com/?user=analyst&password=Mv2qLz7t&warehouse=wh_xs',
    secrets: ['Mv2qLz7t'],
    host: 'myorg-acct1.snowflakecomputing.com',
  },
  {
    name: 'a BigQuery service-account key as JSON',
    text: JSON.stringify({
      type: 'service_account',
      project_id: 'acme-analytics',
      private_key_id: '3f9c2e7a1b',
      private_key:
        '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n',
      client_email: 'loader@acme-analytics.iam.gserviceaccount.com',
      client_id: '1098',
    }),
    secrets: ['3f9c2e7a1b', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'],
    host: 'acme-analytics',
  },
  {
    name: 'an Azure storage string with an AccountKey',
    text: 'DefaultEndpointsProtocol=https;AccountName=acmestore;AccountKey=Xb9+Qw2/Lm7==;EndpointSuffix=core.windows.net',
    secrets: ['Xb9+Qw2/Lm7=='],
    host: 'acmestore',
  },
  {
    name: 'an Azure blob SAS URL',
    text: 'https://acmestore.blob.core.windows.net/exports?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-01-01T00:00:00Z&spr=https&sig=Qm7v%2BzT9kP%3D',
    secrets: ['Qm7v%2BzT9kP%3D', 'Qm7v+zT9kP='],
    host: 'acmestore.blob.core.windows.net',
  },
  {
    name: 'an Azure storage string with a shared access signature',
    text: 'BlobEndpoint=https://acmestore.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&sig=Wk3r%2FzL8q%3D',
    secrets: ['Wk3r%2FzL8q%3D'],
    host: 'acmestore.blob.core.windows.net',
  },
  {
    name: 'an S3 URL with access keys in the query',
    text: 's3://acme-exports/daily?region=eu-west-1&access_key_id=AKIAEXAMPLE7Q&secret_access_key=Rz8kLm2Vq9/Tx',
    secrets: ['AKIAEXAMPLE7Q', 'Rz8kLm2Vq9/Tx'],
    host: 'acme-exports',
  },
  {
    name: 'an HTTPS URL with an API key in the query',
    text: 'https://search.example.com:9243/?api_key=Vn3qZr8w&timeout=30',
    secrets: ['Vn3qZr8w'],
    host: 'search.example.com',
  },
  {
    name: 'an HTTPS URL with a token as its user',
    text: 'https://ghp_Qw8Zr2Lm9Tx@git.example.com/acme/repo.git',
    secrets: ['ghp_Qw8Zr2Lm9Tx'],
    host: 'git.example.com',
  },
  {
    name: 'a string in no known form',
    text: 'pg:app:Zk8Lq3x@db.example.com',
    secrets: ['Zk8Lq3x'],
  },
];
