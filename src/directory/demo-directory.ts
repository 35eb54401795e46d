/**
 * The demo experts: real people of the demo directory who stay available (no dashboard, no
 * offline grace) and take, a few seconds later, what nobody answered (src/routing/demo-experts.ts).
 * Only in demo mode; never Erika or Ed, whose dashboards a newcomer opens to answer themselves.
 */
export const DEMO_EXPERT_IDS: readonly string[] = ['dana'];

/** The people and queues of demo mode; the in-process simulator knows the same xAssist users. */
export const DEMO_DIRECTORY = {
  people: [
    {
      id: 'tom',
      displayName: 'Tom Technician',
      email: 'tom@demo.example',
      roles: ['technician'],
      xassist: { userId: 'tom', userDbId: 12, domain: 'demo', phoneNumber: '' },
    },
    {
      id: 'tina',
      displayName: 'Tina Technician',
      email: 'tina@demo.example',
      roles: ['technician'],
      xassist: { userId: 'tina', userDbId: 13, domain: 'demo', phoneNumber: '' },
    },
    {
      id: 'erika',
      displayName: 'Erika Expert',
      email: 'erika@demo.example',
      roles: ['expert'],
      skills: ['pumps'],
      xassist: { userId: 'erika', userDbId: 8, domain: 'demo', phoneNumber: '' },
    },
    {
      id: 'ed',
      displayName: 'Ed Expert',
      email: 'ed@demo.example',
      roles: ['expert'],
      skills: ['valves'],
      xassist: { userId: 'ed', userDbId: 9, domain: 'demo', phoneNumber: '' },
    },
    {
      id: 'dana',
      displayName: 'Dana Demo',
      email: 'dana@demo.example',
      roles: ['expert'],
      skills: ['pumps', 'valves'],
      xassist: { userId: 'dana', userDbId: 10, domain: 'demo', phoneNumber: '' },
    },
    { id: 'sam', displayName: 'Sam Supervisor', email: 'sam@demo.example', roles: ['supervisor'] },
    { id: 'erp', displayName: 'ERP connector', roles: ['integration'] },
  ],
  queues: [
    {
      id: 'pumps',
      name: 'Pumps and compressors',
      skills: ['pumps'],
      // Everyone who can take it at once: Erika at her dashboard may answer within the demo
      // expert's few seconds, and the demo expert takes it otherwise.
      strategy: 'ring_all',
      offerTimeoutSeconds: 15,
      escalation: [
        { afterSeconds: 45, addExperts: ['ed'] },
        { afterSeconds: 90, notifySupervisors: true },
      ],
    },
  ],
};
