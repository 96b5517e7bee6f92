import { useState } from 'preact/hooks';
import { t } from '../../../../core/i18n';
import { usePaged } from '../../../../core/loading';
import { listShopReviews, type Review } from '../api';
import { Filter } from '../components/Filter';
import { MerchantScreen } from '../components/MerchantGuard';
import { ReviewCard } from '../components/ReviewCard';
import { useOverrides } from '../components/useOverrides';

type View = 'unanswered' | 'all';

/** #/merchant/reviews: reviews of the shop's products; the ones without a reply first. */
export function MerchantReviewsPage() {
  return <MerchantScreen title={t('merchant.reviews.title')}>{() => <Reviews />}</MerchantScreen>;
}

function Reviews() {
  const [view, setView] = useState<View>('unanswered');
  const reviews = usePaged((cursor) => listShopReviews(view === 'unanswered', cursor), [view]);
  const changed = useOverrides<Review>();
  return (
    <>
      <Filter
        testId="review-filter"
        value={view}
        onChange={setView}
        options={[
          { value: 'unanswered', label: t('merchant.reviews.unanswered') },
          { value: 'all', label: t('merchant.reviews.all') },
        ]}
      />
      <ul class="list" data-testid="merchant-reviews">
        {reviews.items.map((review) => (
          <ReviewCard key={review.id} review={changed.pick(review)} onReplied={changed.put} />
        ))}
      </ul>
      {!reviews.loading && reviews.items.length === 0 && <p class="empty">{t('merchant.reviews.none')}</p>}
      {reviews.hasMore && (
        <button type="button" class="link-button load-more" onClick={reviews.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </>
  );
}
