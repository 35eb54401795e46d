/**
 * Whether a person has a dashboard socket open: a port routing's listeners (chat paging) ask,
 * answered by the realtime layer, which knows the sockets. It only answers; what to do about a
 * person without a socket is the asker's decision.
 */
export abstract class SocketPresence {
  abstract hasSocket(personId: string): Promise<boolean>;
}
