import { describe, it } from 'node:test';
import { assertDefaults } from './test-util.ts';
import type { DefaultingCase } from './test-util.ts';

const podSpecDefaults = {
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};
const containerDefaults = {
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

const cases: DefaultingCase[] = [
  {
    // `kubectl run nginx --image=nginx` (it sends dnsPolicy and restartPolicy itself).
    name: 'Pod as kubectl run sends it',
    input: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nginx', labels: { run: 'nginx' } },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx', resources: {} }],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
      },
      status: {},
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nginx', labels: { run: 'nginx' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx',
            imagePullPolicy: 'Always',
            resources: {},
            ...containerDefaults,
          },
        ],
        enableServiceLinks: true,
        ...podSpecDefaults,
      },
      status: {},
    },
  },
  {
    name: 'Pod with no spec at all gets the PodSpec defaults',
    input: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } },
    expected: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { enableServiceLinks: true, ...podSpecDefaults },
    },
  },
  {
    name: 'Pod: containers, probes, lifecycle, env, resources, volumes',
    input: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'full' },
      spec: {
        initContainers: [
          { name: 'init', image: 'busybox:1.36', resources: { limits: { cpu: '100m' } } },
        ],
        containers: [
          {
            name: 'app',
            image: 'registry.example.com/app@sha256:' + 'a'.repeat(64),
            ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }],
            env: [
              { name: 'A', value: 'x' },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
            ],
            resources: {
              limits: { cpu: '0.0001', memory: '128Mi' },
              requests: { memory: '64Mi' },
            },
            livenessProbe: { httpGet: { port: 8080 } },
            readinessProbe: { grpc: { port: 9090 }, periodSeconds: 5 },
            startupProbe: { tcpSocket: { port: 8080 }, failureThreshold: 30 },
            lifecycle: {
              postStart: { httpGet: { port: 80, path: '/hook' } },
              preStop: { exec: { command: ['sleep', '5'] } },
            },
          },
        ],
        ephemeralContainers: [{ name: 'debug', image: 'busybox', targetContainerName: 'app' }],
        volumes: [
          { name: 'scratch' },
          { name: 'cfg', configMap: { name: 'cfg' } },
          { name: 'sec', secret: { secretName: 's' } },
          { name: 'host', hostPath: { path: '/var/log' } },
          {
            name: 'dapi',
            downwardAPI: {
              items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }],
            },
          },
          {
            name: 'proj',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token' } },
                {
                  downwardAPI: {
                    items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }],
                  },
                },
                { configMap: { name: 'kube-root-ca.crt' } },
              ],
            },
          },
          {
            name: 'eph',
            ephemeral: {
              volumeClaimTemplate: {
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: '1Gi' } },
                },
              },
            },
          },
          { name: 'rbd', rbd: { monitors: ['10.0.0.1'], image: 'img' } },
          { name: 'iscsi', iscsi: { targetPortal: '10.0.0.2', iqn: 'iqn.x', lun: 0 } },
          { name: 'az', azureDisk: { diskName: 'd', diskURI: 'u' } },
          { name: 'sio', scaleIO: { gateway: 'g', system: 's', secretRef: { name: 'x' } } },
        ],
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'full' },
      spec: {
        initContainers: [
          {
            name: 'init',
            image: 'busybox:1.36',
            imagePullPolicy: 'IfNotPresent',
            // SetDefaults_Pod: requests copied from limits.
            resources: { limits: { cpu: '100m' }, requests: { cpu: '100m' } },
            ...containerDefaults,
          },
        ],
        containers: [
          {
            name: 'app',
            image: 'registry.example.com/app@sha256:' + 'a'.repeat(64),
            imagePullPolicy: 'IfNotPresent',
            ports: [
              { containerPort: 8080, protocol: 'TCP' },
              { containerPort: 53, protocol: 'UDP' },
            ],
            env: [
              { name: 'A', value: 'x' },
              {
                name: 'NODE',
                valueFrom: { fieldRef: { fieldPath: 'spec.nodeName', apiVersion: 'v1' } },
              },
              { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
            ],
            resources: {
              // 0.0001 CPU is rounded up to milli scale; the request copied before rounding
              // is rounded the same way.
              limits: { cpu: '1m', memory: '128Mi' },
              requests: { memory: '64Mi', cpu: '1m' },
            },
            livenessProbe: {
              httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
              timeoutSeconds: 1,
              periodSeconds: 10,
              successThreshold: 1,
              failureThreshold: 3,
            },
            readinessProbe: {
              grpc: { port: 9090, service: '' },
              periodSeconds: 5,
              timeoutSeconds: 1,
              successThreshold: 1,
              failureThreshold: 3,
            },
            startupProbe: {
              tcpSocket: { port: 8080 },
              failureThreshold: 30,
              timeoutSeconds: 1,
              periodSeconds: 10,
              successThreshold: 1,
            },
            lifecycle: {
              postStart: { httpGet: { port: 80, path: '/hook', scheme: 'HTTP' } },
              preStop: { exec: { command: ['sleep', '5'] } },
            },
            ...containerDefaults,
          },
        ],
        ephemeralContainers: [
          {
            name: 'debug',
            image: 'busybox',
            targetContainerName: 'app',
            imagePullPolicy: 'Always',
            ...containerDefaults,
          },
        ],
        volumes: [
          { name: 'scratch', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
          { name: 'sec', secret: { secretName: 's', defaultMode: 420 } },
          { name: 'host', hostPath: { path: '/var/log', type: '' } },
          {
            name: 'dapi',
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } },
              ],
              defaultMode: 420,
            },
          },
          {
            name: 'proj',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
                {
                  downwardAPI: {
                    items: [
                      {
                        path: 'ns',
                        fieldRef: { fieldPath: 'metadata.namespace', apiVersion: 'v1' },
                      },
                    ],
                  },
                },
                { configMap: { name: 'kube-root-ca.crt' } },
              ],
              defaultMode: 420,
            },
          },
          {
            name: 'eph',
            ephemeral: {
              volumeClaimTemplate: {
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: '1Gi' } },
                  volumeMode: 'Filesystem',
                },
              },
            },
          },
          {
            name: 'rbd',
            rbd: {
              monitors: ['10.0.0.1'],
              image: 'img',
              pool: 'rbd',
              user: 'admin',
              keyring: '/etc/ceph/keyring',
            },
          },
          {
            name: 'iscsi',
            iscsi: { targetPortal: '10.0.0.2', iqn: 'iqn.x', lun: 0, iscsiInterface: 'default' },
          },
          {
            name: 'az',
            azureDisk: {
              diskName: 'd',
              diskURI: 'u',
              cachingMode: 'ReadWrite',
              fsType: 'ext4',
              readOnly: false,
              kind: 'Shared',
            },
          },
          {
            name: 'sio',
            scaleIO: {
              gateway: 'g',
              system: 's',
              secretRef: { name: 'x' },
              storageMode: 'ThinProvisioned',
              fsType: 'xfs',
            },
          },
        ],
        enableServiceLinks: true,
        ...podSpecDefaults,
      },
    },
  },
  {
    name: 'Pod with hostNetwork: hostPort defaults to containerPort (not for ephemeral)',
    input: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hn' },
      spec: {
        hostNetwork: true,
        initContainers: [{ name: 'i', image: 'x:1', ports: [{ containerPort: 7000 }] }],
        containers: [
          {
            name: 'c',
            image: 'x:1',
            ports: [{ containerPort: 80 }, { containerPort: 443, hostPort: 443 }],
          },
        ],
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hn' },
      spec: {
        hostNetwork: true,
        initContainers: [
          {
            name: 'i',
            image: 'x:1',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 7000, hostPort: 7000, protocol: 'TCP' }],
            ...containerDefaults,
          },
        ],
        containers: [
          {
            name: 'c',
            image: 'x:1',
            imagePullPolicy: 'IfNotPresent',
            ports: [
              { containerPort: 80, hostPort: 80, protocol: 'TCP' },
              { containerPort: 443, hostPort: 443, protocol: 'TCP' },
            ],
            ...containerDefaults,
          },
        ],
        enableServiceLinks: true,
        ...podSpecDefaults,
      },
    },
  },
  {
    name: 'Pod: explicit values are never overwritten',
    input: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'explicit' },
      spec: {
        dnsPolicy: 'Default',
        restartPolicy: 'Never',
        schedulerName: 'my-scheduler',
        securityContext: { runAsUser: 1000 },
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        containers: [
          {
            name: 'c',
            image: 'nginx',
            imagePullPolicy: 'Never',
            terminationMessagePath: '/tmp/msg',
            terminationMessagePolicy: 'FallbackToLogsOnError',
            ports: [{ containerPort: 80, protocol: 'SCTP' }],
            env: [{ name: 'V', valueFrom: { fieldRef: { apiVersion: 'v2', fieldPath: 'x' } } }],
            resources: { limits: { cpu: '2' }, requests: { cpu: '1' } },
            livenessProbe: {
              httpGet: { port: 1, path: '/healthz', scheme: 'HTTPS' },
              timeoutSeconds: 5,
              periodSeconds: 20,
              successThreshold: 1,
              failureThreshold: 6,
            },
            readinessProbe: {
              grpc: { port: 2, service: 'svc' },
              timeoutSeconds: 2,
              periodSeconds: 3,
              successThreshold: 4,
              failureThreshold: 5,
            },
          },
        ],
        volumes: [
          { name: 'cfg', configMap: { name: 'c', defaultMode: 256 } },
          { name: 'sec', secret: { secretName: 's', defaultMode: 0 } },
          { name: 'host', hostPath: { path: '/x', type: 'Directory' } },
          { name: 'tmp', emptyDir: { medium: 'Memory' } },
        ],
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'explicit' },
      spec: {
        dnsPolicy: 'Default',
        restartPolicy: 'Never',
        schedulerName: 'my-scheduler',
        securityContext: { runAsUser: 1000 },
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        containers: [
          {
            name: 'c',
            image: 'nginx',
            imagePullPolicy: 'Never',
            terminationMessagePath: '/tmp/msg',
            terminationMessagePolicy: 'FallbackToLogsOnError',
            ports: [{ containerPort: 80, protocol: 'SCTP' }],
            env: [{ name: 'V', valueFrom: { fieldRef: { apiVersion: 'v2', fieldPath: 'x' } } }],
            resources: { limits: { cpu: '2' }, requests: { cpu: '1' } },
            livenessProbe: {
              httpGet: { port: 1, path: '/healthz', scheme: 'HTTPS' },
              timeoutSeconds: 5,
              periodSeconds: 20,
              successThreshold: 1,
              failureThreshold: 6,
            },
            readinessProbe: {
              grpc: { port: 2, service: 'svc' },
              timeoutSeconds: 2,
              periodSeconds: 3,
              successThreshold: 4,
              failureThreshold: 5,
            },
          },
        ],
        volumes: [
          { name: 'cfg', configMap: { name: 'c', defaultMode: 256 } },
          { name: 'sec', secret: { secretName: 's', defaultMode: 0 } },
          { name: 'host', hostPath: { path: '/x', type: 'Directory' } },
          { name: 'tmp', emptyDir: { medium: 'Memory' } },
        ],
      },
    },
  },
  {
    name: 'Pod: int fields at 0 are unset in Go and get defaulted; empty limits add no requests',
    input: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'zero' },
      spec: {
        restartPolicy: '',
        containers: [
          {
            name: 'c',
            image: 'app:v1',
            imagePullPolicy: '',
            resources: { limits: {} },
            livenessProbe: { exec: { command: ['true'] }, timeoutSeconds: 0, periodSeconds: 0 },
          },
        ],
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'zero' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'app:v1',
            imagePullPolicy: 'IfNotPresent',
            resources: { limits: {} },
            livenessProbe: {
              exec: { command: ['true'] },
              timeoutSeconds: 1,
              periodSeconds: 10,
              successThreshold: 1,
              failureThreshold: 3,
            },
            ...containerDefaults,
          },
        ],
        enableServiceLinks: true,
        ...podSpecDefaults,
      },
    },
  },
  {
    name: 'PodTemplate: PodSpec defaults only (no enableServiceLinks, no requests from limits)',
    input: {
      apiVersion: 'v1',
      kind: 'PodTemplate',
      metadata: { name: 'pt' },
      template: {
        metadata: { labels: { a: 'b' } },
        spec: {
          hostNetwork: true,
          containers: [
            {
              name: 'c',
              image: 'nginx:1.27',
              ports: [{ containerPort: 80 }],
              resources: { limits: { memory: '1Gi' } },
            },
          ],
        },
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'PodTemplate',
      metadata: { name: 'pt' },
      template: {
        metadata: { labels: { a: 'b' } },
        spec: {
          hostNetwork: true,
          containers: [
            {
              name: 'c',
              image: 'nginx:1.27',
              imagePullPolicy: 'IfNotPresent',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { memory: '1Gi' } },
              ...containerDefaults,
            },
          ],
          ...podSpecDefaults,
        },
      },
    },
  },
  {
    name: 'ReplicationController: selector, labels and replicas from defaults',
    input: {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc' },
      spec: {
        template: {
          metadata: { labels: { app: 'rc' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc', labels: { app: 'rc' } },
      spec: {
        replicas: 1,
        selector: { app: 'rc' },
        template: {
          metadata: { labels: { app: 'rc' } },
          spec: {
            containers: [
              { name: 'c', image: 'nginx', imagePullPolicy: 'Always', ...containerDefaults },
            ],
            ...podSpecDefaults,
          },
        },
      },
    },
  },
  {
    name: 'ReplicationController: explicit selector, labels and replicas kept; no template',
    input: {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc', labels: { own: 'x' } },
      spec: { replicas: 0, selector: { s: 't' } },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc', labels: { own: 'x' } },
      spec: { replicas: 0, selector: { s: 't' } },
    },
  },
  {
    name: 'Service ClusterIP as kubectl create service clusterip sends it',
    input: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }],
        selector: { app: 'web' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }],
        selector: { app: 'web' },
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'Service: type, protocol and targetPort defaults; sessionAffinityConfig dropped for None',
    input: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: {
        ports: [
          { port: 53, protocol: 'UDP' },
          { name: 'b', port: 8080, targetPort: 0 },
          { name: 'c', port: 9090, targetPort: 'metrics' },
          { name: 'd', port: 7070, targetPort: '' },
        ],
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } },
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: {
        ports: [
          { port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'b', port: 8080, targetPort: 8080, protocol: 'TCP' },
          { name: 'c', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
          { name: 'd', port: 7070, targetPort: 7070, protocol: 'TCP' },
        ],
        sessionAffinity: 'None',
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
      },
    },
  },
  {
    name: 'Service LoadBalancer with ClientIP affinity and an ingress IP',
    input: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'lb' },
      spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 443 }] },
      status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { hostname: 'lb.example.com' }] } },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'lb' },
      spec: {
        type: 'LoadBalancer',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ports: [{ port: 443, protocol: 'TCP', targetPort: 443 }],
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true,
      },
      status: {
        loadBalancer: {
          ingress: [{ ip: '1.2.3.4', ipMode: 'VIP' }, { hostname: 'lb.example.com' }],
        },
      },
    },
  },
  {
    name: 'Service NodePort keeps explicit policies',
    input: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'np' },
      spec: {
        type: 'NodePort',
        externalTrafficPolicy: 'Local',
        internalTrafficPolicy: 'Local',
        ports: [{ port: 80, nodePort: 30080 }],
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'np' },
      spec: {
        type: 'NodePort',
        externalTrafficPolicy: 'Local',
        internalTrafficPolicy: 'Local',
        ports: [{ port: 80, nodePort: 30080, protocol: 'TCP', targetPort: 80 }],
        sessionAffinity: 'None',
      },
    },
  },
  {
    name: 'a generic v1 List is left alone',
    input: {
      apiVersion: 'v1',
      kind: 'List',
      items: [],
    },
    expected: { apiVersion: 'v1', kind: 'List', items: [] },
  },
  {
    name: 'ServiceList defaults every item (externalIPs, ExternalName)',
    input: {
      apiVersion: 'v1',
      kind: 'ServiceList',
      items: [
        { metadata: { name: 'a' }, spec: { externalIPs: ['10.1.1.1'], ports: [{ port: 80 }] } },
        { metadata: { name: 'b' }, spec: { type: 'ExternalName', externalName: 'x.example.com' } },
      ],
    },
    expected: {
      apiVersion: 'v1',
      kind: 'ServiceList',
      items: [
        {
          metadata: { name: 'a' },
          spec: {
            externalIPs: ['10.1.1.1'],
            ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
            sessionAffinity: 'None',
            type: 'ClusterIP',
            externalTrafficPolicy: 'Cluster',
            internalTrafficPolicy: 'Cluster',
          },
        },
        {
          metadata: { name: 'b' },
          spec: { type: 'ExternalName', externalName: 'x.example.com', sessionAffinity: 'None' },
        },
      ],
    },
  },
  {
    name: 'Namespace: name label and phase Active',
    input: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } },
    expected: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev' } },
      status: { phase: 'Active' },
    },
  },
  {
    name: 'Namespace: the name label is forced, other labels and phase kept',
    input: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'other', team: 'a' } },
      status: { phase: 'Terminating' },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev', team: 'a' } },
      status: { phase: 'Terminating' },
    },
  },
  {
    name: 'Namespace with only generateName gets no label',
    input: { apiVersion: 'v1', kind: 'Namespace', metadata: { generateName: 'ns-' } },
    expected: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { generateName: 'ns-' },
      status: { phase: 'Active' },
    },
  },
  {
    name: 'PersistentVolume: phase, reclaim policy, volume mode, hostPath type',
    input: {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv' },
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path: '/d' },
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv' },
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path: '/d', type: '' },
        persistentVolumeReclaimPolicy: 'Retain',
        volumeMode: 'Filesystem',
      },
      status: { phase: 'Pending' },
    },
  },
  {
    name: 'PersistentVolumeClaim: volumeMode and phase',
    input: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        volumeMode: 'Filesystem',
      },
      status: { phase: 'Pending' },
    },
  },
  {
    name: 'PersistentVolumeClaim: explicit Block mode and Bound phase kept',
    input: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'blk' },
      spec: { volumeMode: 'Block', resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Bound' },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'blk' },
      spec: { volumeMode: 'Block', resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Bound' },
    },
  },
  {
    name: 'Secret: type Opaque',
    input: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'Yg==' } },
    expected: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: 'Yg==' },
      type: 'Opaque',
    },
  },
  {
    name: 'Secret: explicit type kept',
    input: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 't' }, type: 'kubernetes.io/tls' },
    expected: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 't' },
      type: 'kubernetes.io/tls',
    },
  },
  {
    name: 'Endpoints: ports protocol TCP',
    input: {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'e' },
      subsets: [
        { addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] },
      ],
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'e' },
      subsets: [
        {
          addresses: [{ ip: '10.0.0.1' }],
          ports: [
            { port: 80, protocol: 'TCP' },
            { port: 53, protocol: 'UDP' },
          ],
        },
      ],
    },
  },
  {
    name: 'Node: allocatable from capacity',
    input: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: {
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      },
    },
  },
  {
    name: 'LimitRange: container default from max, defaultRequest from default then min',
    input: {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'lr' },
      spec: {
        limits: [
          {
            type: 'Container',
            max: { cpu: '2', memory: '1Gi' },
            min: { cpu: '100m', 'ephemeral-storage': '1Mi' },
            default: { cpu: '500m' },
          },
          { type: 'Pod', max: { cpu: '4' } },
          { type: 'Container', min: { cpu: '50m' } },
          { type: 'Container', maxLimitRequestRatio: { cpu: '10' } },
        ],
      },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'lr' },
      spec: {
        limits: [
          {
            type: 'Container',
            max: { cpu: '2', memory: '1Gi' },
            min: { cpu: '100m', 'ephemeral-storage': '1Mi' },
            default: { cpu: '500m', memory: '1Gi' },
            defaultRequest: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Mi' },
          },
          { type: 'Pod', max: { cpu: '4' } },
          { type: 'Container', min: { cpu: '50m' }, defaultRequest: { cpu: '50m' } },
          { type: 'Container', maxLimitRequestRatio: { cpu: '10' } },
        ],
      },
    },
  },
  {
    name: 'ResourceQuota: only sub-milli quantities change',
    input: {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard: { cpu: '1.0001', pods: '10', memory: '1Gi' } },
    },
    expected: {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard: { cpu: '1001m', pods: '10', memory: '1Gi' } },
    },
  },
  {
    name: 'ConfigMap, ServiceAccount, Event: nothing visible to default',
    input: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
    expected: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
  },
];

describe('core/v1 defaults', () => {
  for (const c of cases)
    it(c.name, () => {
      assertDefaults(c);
    });
});
