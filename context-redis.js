"use strict";
// The Redis context store module for settings.js (README "Redis context store"):
//   contextStorage: { redis: { module: require("@event-router/node-red-vmware/context-redis"), config: { url: process.env.REDIS_URL } } }
module.exports = require("./dist/lib/redis/context-store");
