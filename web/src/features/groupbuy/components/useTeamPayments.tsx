import { useState } from 'preact/hooks';
import { showNotice } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { navigate } from '../../../core/router';
import { joinTeam, openTeam, type Team } from '../api';
import { PayFlow, type PayIntent } from './PayFlow';

/** Opening a team of a deal and joining one of its teams (address, then PIN); both end on the team's page. */
export function useTeamPayments() {
  const [paying, setPaying] = useState<PayIntent | null>(null);
  const open = (deal: { id: string; group_price: number }) =>
    setPaying({
      action: `open:${deal.id}`,
      amount: deal.group_price,
      pay: async (key, pin, address) => {
        const team = await openTeam(key, deal.id, { pin, address });
        navigate(`/teams/${team.id}`);
        showNotice(t('groupbuy.team.openedNotice'));
      },
    });
  const join = (team: Team) =>
    setPaying({
      action: `join:${team.id}`,
      amount: team.group_price,
      pay: async (key, pin, address) => {
        const joined = await joinTeam(key, team.id, { pin, address });
        navigate(`/teams/${joined.id}`);
        showNotice(joined.status === 'succeeded' ? t('groupbuy.team.succeededNotice') : t('groupbuy.team.joinedNotice'));
      },
    });
  const sheet = paying && <PayFlow intent={paying} onClose={() => setPaying(null)} />;
  return { open, join, sheet };
}
