'use strict';
// The own listener's answer to requests Node's HTTP parser refuses: the same status codes Node's
// own server gives (Node-RED's server has no clientError handler), so a client sees the same
// 431/400 on either server. The errors are real ones, taken from a parser.
const should = require('should');
const http = require('node:http');
const net = require('node:net');
const { clientErrorAnswer } = require('../../../dist/lib/webhook/listener');

function parserError(raw, options = {}) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(options, () => reject(new Error('the request was accepted')));
    server.on('clientError', (err, socket) => {
      socket.destroy();
      server.close();
      resolve(err);
    });
    server.listen(0, '127.0.0.1', () => {
      const s = net.connect(server.address().port, '127.0.0.1', () => s.end(raw));
      s.on('error', () => undefined);
    });
  });
}

describe('webhook listener: answers to requests the parser refuses', () => {
  it('431 for headers over the limit', async () => {
    const err = await parserError(`POST / HTTP/1.1\r\nHost: x\r\nx-padding: ${'a'.repeat(2048)}\r\n\r\n`, { maxHeaderSize: 1024 });
    clientErrorAnswer(err).should.startWith('HTTP/1.1 431 Request Header Fields Too Large\r\n');
  });

  it('400 for a request line that is not HTTP', async () => {
    const err = await parserError('HELLO WORLD\r\n\r\n');
    clientErrorAnswer(err).should.startWith('HTTP/1.1 400 Bad Request\r\n');
  });

  it('408 for a request that took too long; always closes the connection with an empty body', () => {
    const err = Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
    const answer = clientErrorAnswer(err);
    answer.should.startWith('HTTP/1.1 408 Request Timeout\r\n');
    answer.should.endWith('\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    should(clientErrorAnswer(new Error('no code'))).startWith('HTTP/1.1 400 ');
  });
});
