import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export interface BackupProps {
  /** The deployment's name: vault and plan names are unique per account and region. */
  deploymentName: string;
  table: ITableV2;
  dailyRetentionDays: number;
  monthlyRetentionDays: number;
}

/**
 * Backups that outlive point-in-time recovery: PITR restores any second of the last 35 days, which covers a
 * bad deploy or a wrong script, but not a mistake found in month three or a certificate disputed years
 * later. A daily backup kept `dailyRetentionDays` and a monthly one kept `monthlyRetentionDays`, in a vault
 * of their own that is retained with the stack (docs/deploy.md, "Backups and restore").
 */
export class Backup extends Construct {
  readonly vault: BackupVault;
  readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: BackupProps) {
    super(scope, id);
    this.vault = new BackupVault(this, 'Vault', {
      backupVaultName: `skillcert-${props.deploymentName}`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.plan = new BackupPlan(this, 'Plan', {
      backupPlanName: `skillcert-${props.deploymentName}`,
      backupVault: this.vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: Schedule.cron({ hour: '18', minute: '0' }), // 02:00 in China (UTC+8)
          deleteAfter: Duration.days(props.dailyRetentionDays),
        }),
        new BackupPlanRule({
          ruleName: 'Monthly',
          scheduleExpression: Schedule.cron({ day: '1', hour: '19', minute: '0' }),
          deleteAfter: Duration.days(props.monthlyRetentionDays),
        }),
      ],
    });
    const selection = this.plan.addSelection('Table', {
      resources: [BackupResource.fromArn(props.table.tableArn)],
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        "AWS Backup's own managed policy for the role that takes the backups; it is the documented way and is kept current by AWS as services change.",
    });
  }
}
