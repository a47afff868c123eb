import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundlingOutput, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IOrigin, OriginProtocolPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { VpcOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { GatewayVpcEndpointAwsService, IpAddresses, Peer, Port, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import {
  Cluster,
  ContainerDependencyCondition,
  ContainerImage,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import { ApplicationLoadBalancer, ApplicationProtocol } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { LARGE_UPLOAD_ORIGIN_ID } from '../../lambdas/core/http/edge-contract.ts';
import type { BindingTarget } from './bindings.ts';
import { nativeModulesOf } from './native-modules.ts';
import { ESM_BANNER, PROJECT_ROOT } from './service-function.ts';

/** The container's entry, relative to the repository root. */
export const LARGE_UPLOAD_ENTRY = 'lambdas/large-upload/main.ts';
const PORT = 8080;
/** The service's own VPC: the tasks, the balancer and CloudFront's VPC origin endpoints only. */
const VPC_CIDR = '10.40.0.0/16';
/** Public images, so that deploying needs no Docker: the AWS CLI fetches the code, Node runs it. */
export const FETCH_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.27.0';
export const NODE_IMAGE = 'public.ecr.aws/docker/library/node:24-bookworm-slim';

export interface LargeUploadsProps {
  /** The origin secret's header and value, as CloudFront adds them to the API's other origin. */
  readonly originHeaders: Record<string, string>;
  readonly logRetention: RetentionDays;
  readonly logLevel: string;
}

/**
 * The full-size upload path (docs/decisions/0001-full-size-uploads.md): an ECS service on Fargate
 * (arm64, one task always up: a task starts slower than CloudFront waits) behind an internal
 * Application Load Balancer that only CloudFront reaches, as a VPC origin. It runs the upload
 * function's own modules (`lambdas/large-upload/server.ts`).
 *
 * No Docker: the code is a file asset (one esbuild bundle, sharp for linux-arm64 beside it, as a
 * tar.gz) that an AWS CLI container copies into a shared volume before the public Node.js image
 * starts it. The VPC has no NAT gateway: the task reaches S3 and DynamoDB through gateway endpoints
 * and Secrets Manager, ECR Public and CloudWatch Logs through its public address; its security group
 * lets nothing in but the load balancer. What it may touch is granted by the binding helpers, as
 * for the upload function (`target`).
 */
export class LargeUploads extends Construct {
  readonly origin: IOrigin;
  readonly service: FargateService;
  readonly taskDefinition: FargateTaskDefinition;
  /** Where the bindings set names and grant access: the server container and the task's role. */
  readonly target: BindingTarget;
  readonly vpc: Vpc;
  readonly cluster: Cluster;
  readonly balancer: ApplicationLoadBalancer;

  constructor(scope: Construct, id: string, props: LargeUploadsProps) {
    super(scope, id);

    const vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(VPC_CIDR),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'Tasks', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Balancer', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: { service: GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    const cluster = new Cluster(this, 'Cluster', { vpc });
    this.vpc = vpc;
    this.cluster = cluster;
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logging = LogDrivers.awsLogs({ streamPrefix: 'large-uploads', logGroup });

    const code = new Asset(this, 'Code', {
      path: join(PROJECT_ROOT, 'lambdas', 'large-upload'),
      bundling: {
        // Never used: the local bundling below always succeeds or throws.
        image: DockerImage.fromRegistry('scratch'),
        outputType: BundlingOutput.SINGLE_FILE,
        local: { tryBundle: (outputDir) => bundleServer(outputDir) },
      },
    });

    // One upload at a time decodes up to 50 megapixels (~200 MB of pixels) beside its file (70 MB):
    // 2 GB holds the two the server admits at once (LARGE_UPLOADS_AT_ONCE) with room for Node.
    this.taskDefinition = new FargateTaskDefinition(this, 'Task', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
      volumes: [{ name: 'code' }],
    });
    const fetch = this.taskDefinition.addContainer('FetchCode', {
      image: ContainerImage.fromRegistry(FETCH_IMAGE),
      essential: false,
      command: ['s3', 'cp', code.s3ObjectUrl, '/code/code.tar.gz'],
      logging,
    });
    fetch.addMountPoints({ containerPath: '/code', sourceVolume: 'code', readOnly: false });
    // Its own object, read only: not the asset bucket's wildcard grants.
    Grant.addToPrincipal({
      grantee: this.taskDefinition.taskRole,
      actions: ['s3:GetObject'],
      resourceArns: [code.bucket.arnForObjects(code.s3ObjectKey)],
    });
    const server = this.taskDefinition.addContainer('Server', {
      image: ContainerImage.fromRegistry(NODE_IMAGE),
      entryPoint: ['sh', '-c'],
      command: ['tar xzf /code/code.tar.gz -C /code && exec node --enable-source-maps /code/main.mjs'],
      portMappings: [{ containerPort: PORT }],
      environment: {
        PORT: String(PORT),
        AWS_REGION: Stack.of(this).region,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
      logging,
    });
    server.addMountPoints({ containerPath: '/code', sourceVolume: 'code', readOnly: false });
    server.addContainerDependencies({ container: fetch, condition: ContainerDependencyCondition.SUCCESS });
    this.target = {
      grantPrincipal: this.taskDefinition.taskRole.grantPrincipal,
      addEnvironment: (name, value) => server.addEnvironment(name, value),
    };

    this.service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: 1,
      assignPublicIp: true,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
    });

    const balancer = new ApplicationLoadBalancer(this, 'Balancer', {
      vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
    });
    this.balancer = balancer;
    // CloudFront's VPC origin reaches the balancer from inside the VPC; nothing else is in it.
    balancer.connections.allowFrom(Peer.ipv4(VPC_CIDR), Port.tcp(80), 'CloudFront VPC origin');
    const listener = balancer.addListener('Http', {
      port: 80,
      protocol: ApplicationProtocol.HTTP,
      open: false,
    });
    listener.addTargets('Server', {
      port: PORT,
      protocol: ApplicationProtocol.HTTP,
      targets: [this.service],
      healthCheck: { path: '/healthz' },
      deregistrationDelay: Duration.seconds(60),
    });

    this.origin = VpcOrigin.withApplicationLoadBalancer(balancer, {
      originId: LARGE_UPLOAD_ORIGIN_ID,
      // Inside AWS's network from the edge to the VPC; the balancer has no certificate to offer.
      protocolPolicy: OriginProtocolPolicy.HTTP_ONLY,
      // The answer starts once the body is in and decoded: seconds, well within CloudFront's 60 s.
      readTimeout: Duration.seconds(60),
      customHeaders: props.originHeaders,
    });
  }
}

/**
 * The container's code, built at synth time without Docker: the entry bundled by esbuild, the native
 * packages it imports installed beside it for linux-arm64 by npm, packed as one tar.gz.
 */
export const bundleServer = (outputDir: string): boolean => {
  const entry = join(PROJECT_ROOT, LARGE_UPLOAD_ENTRY);
  const stage = mkdtempSync(join(tmpdir(), 'imgpro-large-uploads-'));
  try {
    const external = nativeModulesOf(entry);
    buildSync({
      entryPoints: [entry],
      outfile: join(stage, 'main.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      mainFields: ['module', 'main'],
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      banner: { js: ESM_BANNER },
      external,
      logLevel: 'error',
    });
    const versions = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'))
      .dependencies as Record<string, string>;
    writeFileSync(
      join(stage, 'package.json'),
      JSON.stringify({
        private: true,
        type: 'module',
        dependencies: Object.fromEntries(external.map((name) => [name, versions[name]])),
      }),
    );
    if (external.length > 0) {
      execFileSync('npm', ['install', '--omit=dev', '--no-package-lock', '--no-audit', '--no-fund'], {
        cwd: stage,
        stdio: 'ignore',
        env: {
          ...process.env,
          npm_config_os: 'linux',
          npm_config_cpu: 'arm64',
          npm_config_libc: 'glibc',
          npm_config_prefer_offline: 'true',
          ONNXRUNTIME_NODE_INSTALL: 'skip',
        },
      });
    }
    execFileSync('tar', ['czf', join(outputDir, 'code.tar.gz'), '-C', stage, '.']);
    return true;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
};
