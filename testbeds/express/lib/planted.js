'use strict';
// Fake secrets planted in vulnerable mode. None of them is real or valid anywhere.

module.exports = {
  // Short, date-like HMAC key of the vulnerable build (a guessable JWT secret).
  WEAK_JWT_SECRET: '20240614',
  // GitHub PAT shape with a valid CRC32 checksum (same fake as the Django testbed).
  DEPLOY_GITHUB_PAT: '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',
  DATABASE_URL: 'postgres://shop_app:Sh0p-db-P4ssw0rd-2024@db.internal.shop.tollgate.test:5432/shop',
  AWS_ACCESS_KEY_ID: 'AKIA2TGXPRSS7QWN4VBD',
  AWS_SECRET_ACCESS_KEY: 'Jq7tWx2kLm9PzR4vBn8cXe3YsGh6DfUa1oTi5KwE',
  // The example token in the OpenAPI document: alice, signed with WEAK_JWT_SECRET,
  // issued and expired in June 2024.
  EXAMPLE_TOKEN_CLAIMS: {
    sub: '2',
    username: 'alice',
    role: 'user',
    iss: 'tollgate-express-auth',
    aud: 'tollgate-express-api',
    iat: 1718323200,
    exp: 1718323260,
  },
};
