/** The sources' acknowledgement window (the sinks' HTTP engine is lib/http). */
export { AckWindow } from "./ack-window";
