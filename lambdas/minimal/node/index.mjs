// minimal in Node.js, run by the official AWS Lambda Runtime Interface
// Client (aws-lambda-ric): the same response as lambdas/minimal/rust and c
// (JSON.stringify keeps this key order, so the bytes are identical).
export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"ok":true}',
});
