// The nodejs20.x function of the end-to-end runtime tests, as a callback handler: answers
// from its event and context through callback, a little later.
'use strict';

const { answer } = require('./index');

exports.handler = (event, context, callback) => {
  setTimeout(() => callback(null, answer(event, context)), 5);
};
