'use strict';
// The OpenAPI 3.0.3 document, built per mode. `node serve.js --print-openapi MODE`
// prints it; the repository keeps the vulnerable one as openapi.json and the
// hardened one as openapi.hardened.json (selfcheck.js checks they are current).
//
// Not documented on purpose in the vulnerable build (discovery plants):
// /api/directory (HAL link), /api/articles/export (JSON:API link), /api/media/proxy
// (URL-valued field), /api/status (relative HTML link), /api/internal/users, /debug,
// /logs/access.log. The hardened build documents the four routes it keeps.

const jwt = require('./jwt');
const planted = require('./planted');

const json = (schema, example) => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});
const ok = (description, schema, example) => ({ description, content: json(schema, example) });
const ref = (name) => ({ $ref: `#/components/schemas/${name}` });
const err = (description) => ({ description, content: json(ref('Error')) });
const pathId = (name, description) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'integer', minimum: 1 },
  example: 1,
});
const query = (name, schema, example, description) => ({ name, in: 'query', required: false, description, schema, example });
const body = (schema, example) => ({ required: true, content: json(schema, example) });
const PUBLIC = [];
const BEARER = [{ bearerAuth: [] }, { oauth2: [] }];

function buildSpec(mode, serverUrl) {
  const V = mode === 'vulnerable';
  const exampleToken = V ? jwt.sign(planted.EXAMPLE_TOKEN_CLAIMS, planted.WEAK_JWT_SECRET) : '<access token from POST /token>';
  const tokenExample = { access_token: exampleToken, token_type: 'bearer', expires_in: 60 };

  const reseedOp = {
    operationId: 'resetDatabase',
    tags: ['admin'],
    summary: 'Drop and re-seed the database',
    description: 'Drops every table and inserts the demo seed again (development helper).',
    responses: { 200: ok('Re-seeded', { type: 'object', properties: { status: { type: 'string' }, reseeds: { type: 'integer' } } }) },
  };
  const reseed = V
    ? { get: { ...reseedOp, security: PUBLIC } }
    : { post: { ...reseedOp, description: `${reseedOp.description} Administrators only.`, security: BEARER, responses: { ...reseedOp.responses, 401: err('No token'), 403: err('Not an administrator') } } };

  const webhookUrl = V
    ? { type: 'string', format: 'uri', description: 'Where events are POSTed.' }
    : { type: 'string', format: 'uri', pattern: '^https://hooks\\.shop\\.tollgate\\.test/', description: 'Where events are POSTed; must be on https://hooks.shop.tollgate.test.' };
  const previewUrl = V
    ? { type: 'string', format: 'uri' }
    : { type: 'string', format: 'uri', pattern: '^https://images\\.shop\\.tollgate\\.test/' };

  return {
    openapi: '3.0.3',
    info: {
      title: 'Tollgate tea shop API (Express testbed)',
      version: '1.0.0',
      description: `Express testbed of tollgate, ${mode} build. Log in with POST /token (OAuth2 password grant) or POST /api/auth/login; tokens expire after 60 s.`,
    },
    servers: [
      { url: serverUrl, description: 'this testbed' },
      { url: 'https://api.shop.tollgate.test', description: 'production' },
    ],
    security: BEARER,
    tags: [{ name: 'auth' }, { name: 'users' }, { name: 'products' }, { name: 'notes' }, { name: 'admin' }, { name: 'tools' }],
    paths: {
      '/token': {
        post: {
          operationId: 'issueToken',
          tags: ['auth'],
          summary: 'OAuth2 password grant',
          security: PUBLIC,
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  required: ['grant_type', 'username', 'password'],
                  properties: { grant_type: { type: 'string', enum: ['password'] }, username: { type: 'string' }, password: { type: 'string', format: 'password' } },
                },
              },
            },
          },
          responses: { 200: ok('A bearer token', ref('Token'), tokenExample), 400: err('Bad grant'), 401: err('Bad credentials') },
        },
      },
      '/api/auth/login': {
        post: {
          operationId: 'login',
          tags: ['auth'],
          summary: 'JSON login',
          security: PUBLIC,
          requestBody: body(ref('Credentials'), { username: 'alice', password: 'correct horse battery staple' }),
          responses: { 200: ok('A bearer token', ref('Token'), tokenExample), 401: err('Bad credentials') },
        },
      },
      '/api': {
        get: {
          operationId: 'apiIndex',
          summary: 'API index (HAL)',
          security: PUBLIC,
          responses: { 200: { description: 'Links', content: { 'application/hal+json': { schema: { type: 'object' } } } } },
        },
      },
      '/api/session': {
        get: {
          operationId: 'getSession',
          summary: 'Shop-front cookie session',
          security: PUBLIC,
          responses: { 200: ok('The session', { type: 'object', properties: { session: { type: 'string' }, cart: { type: 'array', items: { type: 'object' } } } }) },
        },
      },
      '/api/me': {
        get: { operationId: 'getMe', tags: ['users'], summary: 'The caller', responses: { 200: ok('The caller', ref('User')), 401: err('No token') } },
        patch: {
          operationId: 'updateMe',
          tags: ['users'],
          summary: 'Update the caller',
          requestBody: body(ref('UserUpdate'), { displayName: 'Alice A.' }),
          responses: { 200: ok('Updated', ref('User')), 400: err('Invalid'), 401: err('No token') },
        },
      },
      '/api/users': {
        post: {
          operationId: 'registerUser',
          tags: ['users'],
          summary: 'Register a new account',
          security: PUBLIC,
          requestBody: body(ref('Registration'), { username: 'carol', email: 'carol@shop.tollgate.test', password: 'Carol-Express-2024!' }),
          responses: { 201: ok('Registered', ref('User')), 400: err('Invalid'), 409: err('Taken') },
        },
      },
      '/api/users/{id}': {
        parameters: [pathId('id', 'User id (2 = alice, 3 = bob)')],
        get: { operationId: 'getUser', tags: ['users'], summary: 'A user (yourself, or anyone for administrators)', responses: { 200: ok('The user', ref('User')), 404: err('Not found') } },
        patch: {
          operationId: 'updateUser',
          tags: ['users'],
          summary: "Change a user's e-mail, display name or password",
          requestBody: body(ref('UserUpdate'), { email: 'alice@shop.tollgate.test' }),
          responses: { 200: ok('Updated', ref('User')), 400: err('Invalid'), 404: err('Not found') },
        },
      },
      '/api/admin/users': {
        get: { operationId: 'adminListUsers', tags: ['admin'], summary: 'Every account (administrators)', responses: { 200: ok('Users', { type: 'array', items: ref('User') }), 403: err('Not an administrator') } },
      },
      '/api/admin/reseed': reseed,
      '/api/products': {
        get: {
          operationId: 'listProducts',
          tags: ['products'],
          summary: 'Product catalogue (HAL, paginated)',
          security: PUBLIC,
          parameters: [query('limit', { type: 'integer', minimum: 1, maximum: 100, default: 10 }, 10, 'Page size (at most 100)'), query('offset', { type: 'integer', minimum: 0 }, 0)],
          responses: { 200: { description: 'A page', content: { 'application/hal+json': { schema: { type: 'object' } } } } },
        },
        post: {
          operationId: 'createProduct',
          tags: ['products', 'admin'],
          summary: 'Add a product (administrators)',
          requestBody: body(ref('ProductInput'), { sku: 'SKU-9001', name: 'Kettle XL', price_cents: 4200, stock: 3 }),
          responses: { 201: ok('Created', ref('Product')), 403: err('Not an administrator') },
        },
      },
      '/api/products/search': {
        get: {
          operationId: 'searchProducts',
          tags: ['products'],
          summary: 'Search products by name',
          security: PUBLIC,
          parameters: [query('q', { type: 'string' }, 'Kettle', 'Part of the name')],
          responses: { 200: ok('Matches', { type: 'object', properties: { results: { type: 'array', items: ref('Product') } } }) },
        },
      },
      '/api/products/lookup': {
        get: {
          operationId: 'lookupProduct',
          tags: ['products'],
          summary: 'Find a product by SKU',
          security: PUBLIC,
          parameters: [query('sku', { type: 'string' }, 'SKU-1001', 'Exact SKU')],
          responses: { 200: ok('The product', ref('Product')), 404: err('No such SKU') },
        },
      },
      '/api/products/price-check': {
        post: {
          operationId: 'priceCheck',
          tags: ['products'],
          summary: 'Price of a quantity of one SKU',
          security: PUBLIC,
          requestBody: body({ type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } } }, { sku: 'SKU-1001', quantity: 2 }),
          responses: { 200: ok('The price', { type: 'object' }), 404: err('No such SKU') },
        },
      },
      '/api/products/filter': {
        post: {
          operationId: 'filterProducts',
          tags: ['products'],
          summary: 'Filter products by exact name',
          security: PUBLIC,
          requestBody: body({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }, { name: 'Teapot 1' }),
          responses: { 200: ok('Matches', { type: 'object', properties: { results: { type: 'array', items: ref('Product') } } }), 400: err('Not a string') },
        },
      },
      '/api/products/{id}': {
        parameters: [pathId('id', 'Product id')],
        get: { operationId: 'getProduct', tags: ['products'], summary: 'A product', security: PUBLIC, responses: { 200: ok('The product', ref('Product')), 404: err('Not found') } },
        put: {
          operationId: 'replaceProduct',
          tags: ['products', 'admin'],
          summary: 'Replace a product (administrators)',
          requestBody: body(ref('ProductInput'), { sku: 'SKU-1001', name: 'Teapot 1', price_cents: 637, stock: 7 }),
          responses: { 200: ok('Replaced', ref('Product')), 403: err('Not an administrator') },
        },
        delete: { operationId: 'deleteProduct', tags: ['products', 'admin'], summary: 'Remove a product (administrators)', responses: { 204: { description: 'Removed' }, 403: err('Not an administrator') } },
      },
      '/api/notes': {
        get: { operationId: 'listNotes', tags: ['notes'], summary: 'Your notes', responses: { 200: ok('Notes', { type: 'object', properties: { notes: { type: 'array', items: ref('Note') } } }) } },
        post: {
          operationId: 'createNote',
          tags: ['notes'],
          summary: 'Write a note',
          requestBody: body(ref('NoteInput'), { title: 'Shopping', body: 'Oolong, green tea', secret: 'The gift is the blue teapot' }),
          responses: { 201: ok('Created', ref('Note')) },
        },
      },
      '/api/notes/{id}': {
        parameters: [pathId('id', 'Note id (1 is alice\'s, 2 is bob\'s)')],
        get: { operationId: 'getNote', tags: ['notes'], summary: 'One of your notes', responses: { 200: ok('The note', ref('Note')), 404: err('Not found') } },
        put: { operationId: 'replaceNote', tags: ['notes'], summary: 'Rewrite one of your notes', requestBody: body(ref('NoteInput')), responses: { 200: ok('Rewritten', ref('Note')), 404: err('Not found') } },
        patch: { operationId: 'editNote', tags: ['notes'], summary: 'Edit one of your notes', requestBody: body(ref('NoteInput')), responses: { 200: ok('Edited', ref('Note')), 404: err('Not found') } },
        delete: { operationId: 'deleteNote', tags: ['notes'], summary: 'Delete one of your notes', responses: { 204: { description: 'Deleted' }, 404: err('Not found') } },
      },
      '/api/articles': {
        get: { operationId: 'listArticles', summary: 'Brewing guides (JSON:API)', security: PUBLIC, responses: { 200: { description: 'Articles', content: { 'application/vnd.api+json': { schema: { type: 'object' } } } } } },
      },
      '/api/articles/{id}': {
        parameters: [pathId('id', 'Article id')],
        get: { operationId: 'getArticle', summary: 'A brewing guide (JSON:API)', security: PUBLIC, responses: { 200: { description: 'The article', content: { 'application/vnd.api+json': { schema: { type: 'object' } } } } } },
      },
      // Hardened: the routes the vulnerable build leaves out of its document are
      // documented (the inventory weakness fixed).
      ...(V
        ? {}
        : {
            '/api/directory': {
              get: { operationId: 'getDirectory', tags: ['admin'], summary: 'The user directory (administrators)', responses: { 200: ok('Users', { type: 'object' }), 401: err('No token'), 403: err('Not an administrator') } },
            },
            '/api/articles/export': {
              get: {
                operationId: 'exportArticles',
                summary: 'Every brewing guide in one document (JSON:API)',
                security: PUBLIC,
                parameters: [query('format', { type: 'string', enum: ['json'] }, 'json', 'Export format')],
                responses: { 200: { description: 'Articles', content: { 'application/vnd.api+json': { schema: { type: 'object' } } } }, 400: err('Unsupported format') },
              },
            },
            '/api/media/proxy': {
              get: {
                operationId: 'getMedia',
                summary: 'A shop image',
                security: PUBLIC,
                parameters: [query('src', { type: 'string', pattern: '^/img/[a-z0-9-]{1,40}\\.png$' }, '/img/avatar.png', 'The image path')],
                responses: { 200: { description: 'The image', content: { 'image/png': { schema: { type: 'string', format: 'binary' } } } }, 400: err('Not a shop image') },
              },
            },
            '/api/status': {
              get: { operationId: 'getStatus', summary: 'Service health', security: PUBLIC, responses: { 200: ok('Health', { type: 'object', properties: { status: { type: 'string' } } }) } },
            },
          }),
      '/api/reports/summary': {
        get: {
          operationId: 'getReportSummary',
          summary: 'Your activity summary',
          responses: { 200: ok('Summary', { type: 'object', properties: { user: { type: 'string' }, email: { type: 'string' }, notes: { type: 'integer' }, webhooks: { type: 'integer' } } }), 401: err('No token') },
        },
      },
      '/api/catalog/export': {
        get: {
          operationId: 'exportCatalog',
          tags: ['products'],
          summary: 'Export the catalog, optionally notifying a URL when done',
          security: PUBLIC,
          parameters: [{ name: 'X-Report-Callback', in: 'header', required: false, description: V ? 'URL called when the export is ready' : 'URL called when the export is ready; must be on https://hooks.shop.tollgate.test', schema: V ? { type: 'string', format: 'uri' } : { type: 'string', format: 'uri', pattern: '^https://hooks\\.shop\\.tollgate\\.test/' } }],
          responses: { 200: ok('Exported', { type: 'object' }), 400: err('Callback refused') },
        },
      },
      '/api/previews': {
        post: {
          operationId: 'createPreview',
          tags: ['tools'],
          summary: 'Fetch a link preview',
          requestBody: body({ type: 'object', required: ['url'], properties: { url: previewUrl }, additionalProperties: false }, { url: 'https://images.shop.tollgate.test/teapot.png' }),
          responses: { 200: ok('The preview (content as a data: URL)', { type: 'object', properties: { url: { type: 'string' }, status: { type: 'integer' }, content_type: { type: 'string' }, preview: { type: 'string' } } }), 400: err('URL refused'), 502: err('Fetch failed') },
        },
      },
      '/api/webhooks': {
        get: { operationId: 'listWebhooks', tags: ['tools'], summary: 'Your webhooks', responses: { 200: ok('Webhooks', { type: 'object' }) } },
        post: {
          operationId: 'registerWebhook',
          tags: ['tools'],
          summary: 'Register a webhook',
          requestBody: body({ type: 'object', required: ['url'], properties: { url: webhookUrl, event: { type: 'string', enum: ['note.created', 'product.changed'] } }, additionalProperties: false }, { url: 'https://hooks.shop.tollgate.test/notes', event: 'note.created' }),
          responses: { 201: ok('Registered', { type: 'object' }), 400: err('URL refused') },
        },
      },
      '/api/webhooks/{id}': {
        parameters: [pathId('id', 'Webhook id')],
        delete: { operationId: 'deleteWebhook', tags: ['tools'], summary: 'Remove one of your webhooks', responses: { 204: { description: 'Removed' }, 404: err('Not found') } },
      },
      '/api/password-reset': {
        post: {
          operationId: 'requestPasswordReset',
          tags: ['auth'],
          summary: 'E-mail a password-reset code',
          security: PUBLIC,
          requestBody: body({ type: 'object', required: ['username'], properties: { username: { type: 'string' } }, additionalProperties: false }, { username: 'alice' }),
          responses: { 202: ok('Accepted', { type: 'object' }) },
        },
      },
      '/api/password-reset/confirm': {
        post: {
          operationId: 'confirmPasswordReset',
          tags: ['auth'],
          summary: 'Set a new password with the e-mailed code',
          security: PUBLIC,
          requestBody: body(
            { type: 'object', required: ['username', 'code', 'new_password'], properties: { username: { type: 'string' }, code: { type: 'string', pattern: V ? '^[0-9]{4}$' : '^[0-9]{6}$' }, new_password: { type: 'string', format: 'password' } }, additionalProperties: false },
            { username: 'alice', code: V ? '1234' : '123456', new_password: 'a new passphrase' },
          ),
          responses: { 200: ok('Changed', { type: 'object' }), 400: err('Wrong or expired code'), 429: err('Too many attempts') },
        },
      },
      '/api/greeting': {
        get: {
          operationId: 'getGreeting',
          tags: ['tools'],
          summary: 'Greeting-card text',
          security: PUBLIC,
          parameters: [query('name', { type: 'string', maxLength: 200 }, 'Alice', 'Who to greet')],
          responses: { 200: ok('The greeting', { type: 'object', properties: { message: { type: 'string' } } }) },
        },
      },
      '/api/tools/checksum': {
        post: {
          operationId: 'checksumText',
          tags: ['tools'],
          summary: 'POSIX cksum of a text',
          requestBody: body({ type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 4096 } }, additionalProperties: false }, { text: 'hello' }),
          responses: { 200: ok('The checksum', { type: 'object', properties: { checksum: { type: 'string' } } }) },
        },
      },
      '/api/accounts/validate': {
        post: {
          operationId: 'validateUsername',
          tags: ['users'],
          summary: 'Check that a username is well formed',
          security: PUBLIC,
          requestBody: body({ type: 'object', required: ['username'], properties: { username: { type: 'string', maxLength: 27 } }, additionalProperties: false }, { username: 'alice' }),
          responses: { 200: ok('Verdict', { type: 'object', properties: { username: { type: 'string' }, valid: { type: 'boolean' } } }) },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        oauth2: { type: 'oauth2', flows: { password: { tokenUrl: '/token', scopes: {} } } },
      },
      schemas: {
        Error: { type: 'object', properties: { error: { type: 'string' } } },
        Token: { type: 'object', properties: { access_token: { type: 'string' }, token_type: { type: 'string' }, expires_in: { type: 'integer' } } },
        Credentials: { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string', format: 'password' } }, additionalProperties: false },
        User: {
          type: 'object',
          properties: {
            id: { type: 'integer', readOnly: true },
            username: { type: 'string' },
            email: { type: 'string', format: 'email' },
            displayName: { type: 'string' },
            role: { type: 'string', readOnly: true },
            isAdmin: { type: 'boolean', readOnly: true },
            avatar_url: { type: 'string', format: 'uri' },
            _links: { type: 'object' },
          },
        },
        Registration: {
          type: 'object',
          required: ['username', 'email', 'password'],
          properties: { username: { type: 'string' }, email: { type: 'string', format: 'email' }, password: { type: 'string', format: 'password' }, displayName: { type: 'string' } },
          additionalProperties: false,
        },
        UserUpdate: {
          type: 'object',
          properties: { email: { type: 'string', format: 'email' }, displayName: { type: 'string' }, password: { type: 'string', format: 'password' }, current_password: { type: 'string', format: 'password' } },
          additionalProperties: false,
        },
        Product: { type: 'object', properties: { id: { type: 'integer' }, sku: { type: 'string' }, name: { type: 'string' }, price_cents: { type: 'integer' }, stock: { type: 'integer' }, _links: { type: 'object' } } },
        ProductInput: { type: 'object', required: ['sku', 'name', 'price_cents', 'stock'], properties: { sku: { type: 'string' }, name: { type: 'string' }, price_cents: { type: 'integer' }, stock: { type: 'integer' } }, additionalProperties: false },
        Note: { type: 'object', properties: { id: { type: 'integer' }, owner_id: { type: 'integer' }, title: { type: 'string' }, body: { type: 'string' }, secret: { type: 'string', description: 'Private text of the note (shown to its owner only)' } } },
        NoteInput: { type: 'object', required: ['title', 'body'], properties: { title: { type: 'string' }, body: { type: 'string' }, secret: { type: 'string' } }, additionalProperties: false },
      },
    },
  };
}

module.exports = { buildSpec };
